// Fuzz target: WebSocket's permessage-deflate (docs/PROTOCOL.md,
// "WebSocket"): the negotiation, WsInflater on hostile data, and WsDeflater
// round trips.
//
// Input: a config byte, an offer's length byte and that many bytes of
// Sec-WebSocket-Extensions text, then messages, each a 16-bit length and
// that many bytes of compressed payload. When the offer is accepted its
// parameters apply; otherwise the config byte picks the window bits and the
// reset. The config byte always picks the limit (small, so that bombs hit
// it) and whether the round trip goes through encode(). Checked:
//   - an accepted offer has window bits in 8..15, its answer starts with
//     "permessage-deflate", and that answer, offered back, is accepted
//     with the same parameters and the same answer;
//   - inflating never hands up more than the limit, and the output buffer
//     never grows past it;
//   - a failure is 1007 or 1009, and every later message fails;
//   - each inflated message, deflated by WsDeflater (with the same window
//     and reset) and inflated by a second WsInflater, comes back the same.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "protocols/ws/ws_deflate_offer.h"
#include "protocols/ws/ws_deflater.h"
#include "protocols/ws/ws_inflater.h"

namespace linecast::fuzz {
namespace {

constexpr std::size_t kLimits[] = {0, 100, 4096, 70000};

void checkOffer(std::string_view header, const WsDeflateAgreement& agreed) {
  const WsDeflateParams& p = agreed.params;
  FUZZ_CHECK(p.serverMaxWindowBits >= 8 && p.serverMaxWindowBits <= 15);
  FUZZ_CHECK(p.clientMaxWindowBits >= 8 && p.clientMaxWindowBits <= 15);
  FUZZ_CHECK(agreed.response.starts_with("permessage-deflate"));
  FUZZ_CHECK(!header.empty());
  auto again = negotiateWsDeflate(agreed.response);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->response == agreed.response);
  FUZZ_CHECK(again->params.serverNoContextTakeover == p.serverNoContextTakeover);
  FUZZ_CHECK(again->params.clientNoContextTakeover == p.clientNoContextTakeover);
  FUZZ_CHECK(again->params.serverMaxWindowBits == p.serverMaxWindowBits);
  FUZZ_CHECK(again->params.clientMaxWindowBits == p.clientMaxWindowBits);
}

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  using namespace linecast::fuzz;
  Input input(data, size);
  std::uint8_t config = input.byte();
  std::string_view header = input.bytes(input.byte());

  WsDeflateParams params;
  params.clientMaxWindowBits = 8 + (config & 7);
  params.clientNoContextTakeover = (config & 8) != 0;
  if (auto agreed = negotiateWsDeflate(header)) {
    checkOffer(header, *agreed);
    params = agreed->params;
  }
  std::size_t limit = kLimits[(config >> 4) & 3];
  bool viaEncode = (config & 0x40) != 0;

  // The round trip: the server compresses with the client's window and
  // reset, so the same values are checked on the other path.
  WsDeflateParams server;
  server.serverMaxWindowBits = params.clientMaxWindowBits;
  server.serverNoContextTakeover = params.clientNoContextTakeover;
  WsInflater in(params, limit);
  WsDeflater deflater(server);
  WsInflater back(params, limit);

  bool failed = false;
  while (!input.empty()) {
    std::string_view compressed = input.bytes(input.u16());
    WsInflater::Result result = in.inflate(compressed);
    FUZZ_CHECK(in.bufferCapacity() <= std::max<std::size_t>(limit, 30));
    if (failed) {
      FUZZ_CHECK(result == WsInflater::Result::kCorrupt);
      continue;
    }
    if (result != WsInflater::Result::kOk) {
      std::uint16_t code = WsInflater::closeCode(result);
      FUZZ_CHECK(code == 1007 || code == 1009);
      failed = true;
      continue;
    }
    std::string message(in.output());
    FUZZ_CHECK(message.size() <= limit);
    WsDeflater::Message out =
        viaEncode ? deflater.encode(message) : WsDeflater::Message{deflater.compress(message), true};
    if (!out.compressed) {
      FUZZ_CHECK(out.payload == message);
      continue;
    }
    FUZZ_CHECK(back.inflate(out.payload) == WsInflater::Result::kOk);
    FUZZ_CHECK(back.output() == message);
  }
  return 0;
}
