#include "loadgen/ws_frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ws_wire.h"

namespace linecast::bench {
namespace {

const unsigned char kRfcKey[4] = {0x37, 0xfa, 0x21, 0x3d};

std::string clientFrame(WsOpcode opcode, bool fin, std::string_view payload, const unsigned char key[4]) {
  std::string out(kWsMaxClientHeader + payload.size(), '\0');
  std::size_t header = writeClientHeader(out.data(), opcode, fin, payload.size(), key);
  maskCopy(out.data() + header, payload.data(), payload.size(), key);
  out.resize(header + payload.size());
  return out;
}

TEST(WsFrame, WritesTheRfcsMaskedHelloExample) {
  // RFC 6455 5.7: "A single-frame masked text message".
  EXPECT_EQ(clientFrame(WsOpcode::kText, true, "Hello", kRfcKey),
            std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
}

TEST(WsFrame, MaskingEightAtATimeMatchesByteByByteAtEveryLengthAndAlignment) {
  std::string source(300, '\0');
  for (std::size_t i = 0; i < source.size(); ++i) source[i] = static_cast<char>(i * 7 + 3);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n = 0; n + offset <= 200; ++n) {
      std::string got(n + 16, '#');
      maskCopy(got.data() + offset, source.data() + offset, n, kRfcKey);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(static_cast<unsigned char>(got[offset + i]),
                  static_cast<unsigned char>(source[offset + i]) ^ kRfcKey[i % 4])
            << "n " << n << " offset " << offset << " byte " << i;
      ASSERT_EQ(got[offset + n], '#') << "wrote past the end";
    }
  }
}

TEST(WsFrame, MasksInPlace) {
  std::string data = "0123456789abcdefXYZ";
  std::string copy = data;
  maskCopy(data.data(), data.data(), data.size(), kRfcKey);
  maskCopy(data.data(), data.data(), data.size(), kRfcKey);
  EXPECT_EQ(data, copy);
}

TEST(WsFrame, UsesTheShortestLengthForm) {
  for (std::size_t n : {0, 1, 125, 126, 127, 65535, 65536, 70000}) {
    std::string payload(n, 'p');
    std::string frame = clientFrame(WsOpcode::kBinary, n % 2 == 0, payload, kRfcKey);
    std::size_t header = n < 126 ? 6 : n < 65536 ? 8 : 14;
    ASSERT_EQ(frame.size(), header + n) << n;
    std::vector<testing::ClientFrame> frames;
    ASSERT_EQ(testing::parseClientFrames(frame, frames), frame.size()) << n;
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0], (testing::ClientFrame{0x2, n % 2 == 0, payload})) << n;
  }
}

}  // namespace
}  // namespace linecast::bench
