// WsStreamDecoder: client frames to the byte stream their binary payloads
// carry (MQTT over WebSocket), whatever the cuts between reads.
#include "protocols/ws/ws_stream_decoder.h"

#include <gtest/gtest.h>

#include <string>

#include "ws_test_frames.h"

namespace linecast {
namespace {

using ws_test::clientFrame;
using ws_test::LengthForm;
using Stop = WsStreamDecoder::Stop;

// Decodes `wire` cut into reads of `step` bytes, answering nothing; the
// stream, and the stops in order as letters (P ping, C close, E error).
struct Decoded {
  std::string stream;
  std::string stops;
};

Decoded decodeInSteps(WsStreamDecoder& d, const std::string& wire, std::size_t step) {
  Decoded result;
  std::string out(wire.size(), '\0');
  WsStreamDecoder::Output o{std::span<char>(out.data(), out.size() / 2),
                            std::span<char>(out.data() + out.size() / 2, out.size() - out.size() / 2)};
  for (std::size_t at = 0; at < wire.size() && !d.ended();) {
    std::size_t n = std::min(step, wire.size() - at);
    std::size_t used = 0;
    while (used < n && !d.ended()) {
      used += d.decode(wire.data() + at + used, n - used, o);
      if (d.stop() == Stop::kPing) result.stops += 'P';
      if (d.stop() == Stop::kClose) result.stops += 'C';
      if (d.stop() == Stop::kError) result.stops += 'E';
    }
    at += n;
  }
  result.stream = out.substr(0, o.size);
  return result;
}

TEST(WsStreamDecoderTest, BinaryPayloadsAreOneStreamAtEveryCut) {
  std::string wire = clientFrame(0x02, "ab") +                   // a whole message
                     clientFrame(0x02, "cd") +                   // a fragmented one...
                     clientFrame(0x89, "ping") +                 // ...a ping inside it...
                     clientFrame(0x00, "ef") + clientFrame(0x80, "") +  // ...an empty last fragment
                     clientFrame(0x82, std::string(300, 'x'), true, LengthForm::k16) +
                     clientFrame(0x82, "yz", true, LengthForm::k64) + clientFrame(0x8A, "pong");
  wire[0] = static_cast<char>(0x82);  // FIN on the first
  for (std::size_t step = 1; step <= wire.size(); ++step) {
    WsStreamDecoder d;
    Decoded got = decodeInSteps(d, wire, step);
    ASSERT_EQ(got.stream, "abcdef" + std::string(300, 'x') + "yz") << "step " << step;
    ASSERT_EQ(got.stops, "P") << "step " << step;
  }
}

TEST(WsStreamDecoderTest, PingPayloadAndCloseEndTheStream) {
  WsStreamDecoder d;
  std::string wire = clientFrame(0x82, "a") + clientFrame(0x89, "hi") + clientFrame(0x88, "\x03\xE8") +
                     clientFrame(0x82, "after");
  Decoded got;
  std::string out(wire.size(), '\0');
  WsStreamDecoder::Output o{std::span<char>(out), {}};
  std::size_t used = d.decode(wire.data(), wire.size(), o);
  EXPECT_EQ(d.stop(), Stop::kPing);
  EXPECT_EQ(d.controlPayload(), "hi");
  used += d.decode(wire.data() + used, wire.size() - used, o);
  EXPECT_EQ(d.stop(), Stop::kClose);
  EXPECT_TRUE(d.ended());
  EXPECT_EQ(d.controlPayload(), std::string("\x03\xE8", 2));
  EXPECT_EQ(d.decode(wire.data() + used, wire.size() - used, o), 0u);  // nothing after the close
  EXPECT_EQ(std::string(out.data(), o.size), "a");
}

TEST(WsStreamDecoderTest, DecodesInPlace) {
  std::string wire = clientFrame(0x02, "hello ") + clientFrame(0x80, "world");
  WsStreamDecoder d;
  WsStreamDecoder::Output o{std::span<char>(wire.data(), wire.size()), {}};
  EXPECT_EQ(d.decode(wire.data(), wire.size(), o), wire.size());
  EXPECT_EQ(wire.substr(0, o.size), "hello world");
}

TEST(WsStreamDecoderTest, ViolationsFailWithTheirCode) {
  struct Case {
    const char* name;
    std::string wire;
    std::uint16_t code;
  };
  std::vector<Case> cases = {
      {"text", clientFrame(0x81, "x"), 1003},
      {"unmasked", clientFrame(0x82, "x", false), 1002},
      {"reserved bit", clientFrame(0xC2, "x"), 1002},
      {"reserved opcode", clientFrame(0x83, "x"), 1002},
      {"reserved control opcode", clientFrame(0x8B, "x"), 1002},
      {"continuation first", clientFrame(0x80, "x"), 1002},
      {"new message inside one", clientFrame(0x02, "x") + clientFrame(0x82, "y"), 1002},
      {"text inside a binary message", clientFrame(0x02, "x") + clientFrame(0x81, "y"), 1002},
      {"fragmented ping", clientFrame(0x09, "x"), 1002},
      {"long ping", clientFrame(0x89, std::string(126, 'p'), true, LengthForm::k16), 1002},
      {"close of one byte", clientFrame(0x88, "\x03"), 1002},
      {"close code 1005", clientFrame(0x88, "\x03\xED"), 1002},
  };
  for (const Case& k : cases) {
    WsStreamDecoder d;
    Decoded got = decodeInSteps(d, k.wire, k.wire.size());
    EXPECT_EQ(got.stops, "E") << k.name;
    EXPECT_EQ(d.errorCode(), k.code) << k.name << ": " << d.errorText();
    EXPECT_TRUE(d.ended()) << k.name;
  }
}

}  // namespace
}  // namespace linecast
