// Fuzz target: the WebSocket frame codec (docs/PROTOCOL.md, "WebSocket").
//
// Input: one byte picks the maximum message size and whether
// permessage-deflate was negotiated, one seeds how the rest is cut into
// reads; the rest is the byte stream a client sends. The stream is fed read
// by read into a RingBuffer (so frames wrap around its end) and parsed by
// WsFrameParser. Checked:
//   - every message handed up is within the maximum; a text message that
//     is not compressed is valid UTF-8, and so is a close frame's reason;
//     control payloads are at most 125 bytes;
//   - a parse error carries 1002, 1007 or 1009, and nothing follows it;
//   - the bytes consumed never exceed what was fed, and the ring never
//     holds more than one partial frame plus one read;
//   - the events equal those of the same bytes fed all at once;
//   - a message re-encoded by the writer and masked parses back the same.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "net/ring_buffer.h"
#include "protocols/ws/ws_frame_parser.h"
#include "protocols/ws/ws_frame_writer.h"
#include "protocols/ws/ws_utf8.h"
#include "ring_feed.h"

namespace linecast::fuzz {
namespace {

constexpr std::size_t kMaxMessages[] = {0, 1, 5, 125, 126, 300, 1024, 70000};
constexpr std::size_t kMaxRead = 512;

struct Run {
  std::vector<std::string> events;
  std::size_t consumed = 0;
};

void record(const WsFrameParser& parser, WsFrameParser::Status status, Run& run) {
  std::string_view payload = parser.payload();
  if (status == WsFrameParser::Status::kMessage) {
    FUZZ_CHECK(payload.size() <= parser.maxMessage());
    FUZZ_CHECK(parser.opcode() == WsOpcode::kText || parser.opcode() == WsOpcode::kBinary);
    if (parser.opcode() == WsOpcode::kText && !parser.compressed()) FUZZ_CHECK(utf8Valid(payload));
  } else {
    FUZZ_CHECK(wsIsControl(parser.opcode()));
    FUZZ_CHECK(payload.size() <= kWsMaxControlPayload);
    if (parser.opcode() == WsOpcode::kClose) {
      FUZZ_CHECK(parser.closeCode() == ws_close::kNoStatus || wsValidCloseCode(parser.closeCode()));
      FUZZ_CHECK(utf8Valid(parser.closeReason()));
    }
  }
  std::string event(1, static_cast<char>(parser.opcode()));
  event += parser.compressed() ? 'z' : '-';
  event.append(payload);
  run.events.push_back(std::move(event));
}

// Feeds the stream in reads of the given sizes (0: all at once).
Run parse(std::string_view stream, std::size_t maxMessage, bool deflate, std::uint32_t rng) {
  Run run;
  WsFrameParser parser(maxMessage, deflate);
  std::vector<char> scratch(maxMessage);
  RingBuffer ring;
  std::size_t fed = 0;
  bool failed = false;
  while (fed < stream.size() && !failed) {
    fed += feedNextRead(ring, stream.substr(fed), rng, kMaxRead, parser.maxPending());
    for (;;) {
      std::size_t frameLength = 0;
      auto status = parser.next(ring, scratch, frameLength);
      if (status == WsFrameParser::Status::kNeedMore) break;
      if (status == WsFrameParser::Status::kError) {
        std::uint16_t code = parser.errorCode();
        FUZZ_CHECK(code == ws_close::kProtocolError || code == ws_close::kInvalidPayload ||
                   code == ws_close::kTooBig);
        FUZZ_CHECK(!parser.errorText().empty());
        run.events.push_back("error " + std::to_string(code));
        // Stays failed.
        FUZZ_CHECK(parser.next(ring, scratch, frameLength) == WsFrameParser::Status::kError);
        failed = true;
        break;
      }
      FUZZ_CHECK(frameLength >= 6 && frameLength <= ring.size());
      ring.consume(frameLength);
      run.consumed += frameLength;
      FUZZ_CHECK(run.consumed <= fed);
      if (status != WsFrameParser::Status::kFragment) record(parser, status, run);
    }
    FUZZ_CHECK(failed || ring.size() <= parser.maxPending());
  }
  return run;
}

// The writer's frame for a message, masked as a client sends it.
std::string reencode(WsOpcode opcode, std::string_view payload) {
  char header[kWsMaxServerHeader];
  std::size_t n = wsWriteHeader(opcode, payload.size(), header);
  std::string frame(header, n);
  frame[1] = static_cast<char>(frame[1] | 0x80);
  const unsigned char key[4] = {0xA5, 0x01, 0x7E, 0x3C};
  frame.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame += static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i & 3]);
  }
  return frame;
}

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  using namespace linecast::fuzz;
  Input input(data, size);
  std::uint8_t config = input.byte();
  std::size_t maxMessage = kMaxMessages[config % std::size(kMaxMessages)];
  bool deflate = (config & 0x80) != 0;
  std::uint32_t rng = 0x9E3779B9u ^ input.byte();
  std::string_view stream = input.rest();

  Run pieces = parse(stream, maxMessage, deflate, rng);
  Run whole = parse(stream, maxMessage, deflate, 0);
  FUZZ_CHECK(pieces.events == whole.events);
  FUZZ_CHECK(pieces.consumed == whole.consumed);

  // Each uncompressed data message survives the writer and the parser.
  for (const std::string& event : whole.events) {
    auto opcode = static_cast<WsOpcode>(event[0]);
    if (event.starts_with("error") || wsIsControl(opcode) || event[1] == 'z') continue;
    Run again = parse(reencode(opcode, std::string_view(event).substr(2)), maxMessage, false, 0);
    FUZZ_CHECK(again.events.size() == 1 && again.events[0] == event);
  }
  return 0;
}
