#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "protocols/ws/ws_deflate_offer.h"

namespace linecast {

struct WsDeflateStream;

// Compresses the messages the server sends on a connection with
// permessage-deflate (RFC 7692 7.2.1): each message is deflated, flushed
// with Z_SYNC_FLUSH, and sent without the flush's last four bytes
// (00 00 ff ff), as one frame with RSV1 set.
//
// Memory, the price of a zlib deflate stream: (2^(windowBits+2) +
// 2^(memLevel+9)) bytes, 256 KiB at zlib's defaults (15, 8), 2.5 GiB for
// 10k connections. Pub/sub messages are small: on JSON ticks of ~100 bytes
// and on 3 KB batches, a window of 2^13 compressed as well as 2^15 (within
// 1%) and memLevel 5 as well as 8, so the server deflates with at most
// windowBits 13 (the agreed server_max_window_bits only lowers it; a
// sender may always use a smaller window than agreed) and memLevel 5:
// 48 KiB per stream. Level 1: it compressed those messages 15-25% less
// well than level 6 but 2-3 times faster, and a broker deflates every
// message once per subscriber. The stream is created at the first message
// it compresses, so a connection that sends none costs nothing.
//
// zlib cannot deflate raw data with a window of 8 (deflateInit2 refuses
// -8); agreed 8 is deflated with 9, which never emits a distance over 250
// (zlib keeps 262 bytes of lookahead), so a client's 256-byte window holds
// every match. zlib itself does so for its wrapped format, and Node.js's
// zlib binding turns a raw 8 into 9 too.
//
// With server_no_context_takeover the stream is reset after each message;
// otherwise its window carries over, so repeated channel names and keys
// compress to a few bytes.
class WsDeflater {
 public:
  // A message ready to send: RSV1 is set iff `compressed`.
  struct Message {
    std::string_view payload;
    bool compressed = false;
  };

  // Messages shorter than this are sent as they are (RFC 7692 6: the
  // choice is per message). Measured on JSON ticks: with context takeover
  // a message under 32 bytes saves a few bytes at most (8-byte ones
  // halved: 4 bytes), not worth a deflate call; without it a lone message
  // grows or barely shrinks below 64 bytes (32 bytes: 34; 64: 59).
  static constexpr std::size_t kMinSizeWithContext = 32;
  static constexpr std::size_t kMinSizeWithoutContext = 64;
  static constexpr int kMaxWindowBits = 13;
  static constexpr int kMemLevel = 5;
  static constexpr int kLevel = 1;

  explicit WsDeflater(const WsDeflateParams& params);
  ~WsDeflater();
  WsDeflater(const WsDeflater&) = delete;
  WsDeflater& operator=(const WsDeflater&) = delete;

  // The message to send: compressed, or as it is when it is short.
  // Valid until the next call.
  Message encode(std::string_view message);
  // Always compresses (an empty message is the single byte 00, RFC 7692
  // 7.2.3.6). Valid until the next call.
  std::string_view compress(std::string_view message);

  // Frees the zlib stream (an idle connection); the next message creates
  // a new one. Always safe: the client's inflater keeps a window that the
  // server then simply never refers to.
  void release();

  int windowBits() const { return windowBits_; }
  bool hasStream() const { return stream_ != nullptr; }
  std::size_t bufferCapacity() const { return out_.capacity(); }

 private:
  int windowBits_;
  bool resetEachMessage_;
  std::unique_ptr<WsDeflateStream> stream_;
  std::string out_;
};

}  // namespace linecast
