#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "loadgen/byte_stream.h"
#include "loadgen/ws_frame.h"

namespace linecast::bench {

// The sending half of a WebSocket client connection: it turns the bytes a
// protocol encoder wrote into masked client frames and sends them through
// the stream below (the socket, or TLS).
//
// write() is a drop-in for send(): it takes bytes and returns how many it
// took, or -1 with errno. Each call sends at most one frame of at most
// kMaxMessage payload bytes. A frame the socket took only in part is kept
// here (as TlsStream keeps a held record) and sent before anything else;
// until it is gone, write() says EAGAIN. So the caller never re-sends bytes,
// and a frame is never interleaved with another.
//
// Two framings:
//  - lines (linecast's line protocol over WebSocket): a message holds whole
//    lines, its last one without the "\n". write() takes the bytes up to the
//    last "\n" it sees and sends them as ONE text message (a batch of PUB
//    lines is one frame, as a fast client would send it). When the bytes
//    hold no "\n" at all (a line longer than kMaxMessage, or the caller's
//    budget cut a line) they go out as a fragment, and the message goes on
//    in continuation frames until its "\n".
//  - stream (NATS over WebSocket): the protocol is a byte stream, so every
//    write() is one binary frame, cut wherever the caller cut it.
class WsSender {
 public:
  // Well under linecast's default --max-line (1 MiB), which bounds a whole
  // message, and large enough that a frame's header and syscall are spread
  // over a thousand or more small PUB lines.
  static constexpr std::size_t kMaxMessage = 64 * 1024;

  WsSender(ByteStream lower, bool lines);

  // Bytes sent as they are, before any frame: the upgrade request.
  void queueRaw(std::string_view bytes);
  // A control frame (a pong, echoing a ping's payload), after what is queued.
  void queueControl(WsOpcode opcode, std::string_view payload);

  ssize_t write(const char* data, std::size_t size);
  // Sends what is queued. False with errno: EAGAIN (the socket is full), or
  // the error that ends the connection.
  bool flush();
  bool pending() const { return off_ < len_; }

 private:
  // Room for `more` bytes after len_; grows by doubling, so nothing is
  // allocated per message once the buffer has reached its working size.
  char* reserve(std::size_t more);
  void appendFrame(WsOpcode opcode, bool fin, const char* payload, std::size_t n);
  void nextKey(unsigned char key[4]);

  ByteStream lower_;
  bool lines_;
  bool midMessage_ = false;  // a fragment went out; the message's next frame is a continuation
  std::uint64_t rng_;        // masking keys
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;
  std::size_t len_ = 0;  // bytes queued
  std::size_t off_ = 0;  // of which sent
};

}  // namespace linecast::bench
