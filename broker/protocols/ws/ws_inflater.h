#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "protocols/ws/ws_deflate_offer.h"

namespace linecast {

struct WsInflateStream;

// Inflates the compressed messages a client sends on a connection with
// permessage-deflate (RFC 7692 7.2.2): the payload of each message the
// parser hands up with compressed() set, whole, in order.
//
// Memory: the zlib stream (a window of 2^clientMaxWindowBits bytes plus
// about 7 KiB) is created at the first compressed message, so a connection
// that never sends one costs nothing. The output buffer is reused from
// message to message; one that grew past 64 KiB is given back at the next
// message. It never grows past the limit: the output is inflated in
// bounded steps, so a small message that inflates to gigabytes (a "zip
// bomb") stops at the limit with kTooBig having allocated at most the
// limit.
//
// With client_no_context_takeover the stream is reset after each message;
// otherwise its window carries over, as the client's compressor's does.
class WsInflater {
 public:
  enum class Result {
    kOk,       // output() is the message
    kTooBig,   // it inflates to more than the limit: close with 1009
    kCorrupt,  // not valid DEFLATE data: close with 1007
  };

  // `maxSize` bounds a message's inflated size (the connection's maximum
  // message size: a message of exactly maxSize bytes is accepted).
  WsInflater(const WsDeflateParams& params, std::size_t maxSize);
  ~WsInflater();
  WsInflater(const WsInflater&) = delete;
  WsInflater& operator=(const WsInflater&) = delete;

  // Inflates one message's payload. After kTooBig or kCorrupt the stream is
  // lost (the connection must close): every later call returns kCorrupt.
  Result inflate(std::string_view compressed);
  // On kOk, the inflated message, valid until the next call.
  std::string_view output() const { return {out_.data(), size_}; }

  static std::uint16_t closeCode(Result result);

  // For tests: whether the zlib stream exists, and the output's capacity.
  bool hasStream() const { return stream_ != nullptr; }
  std::size_t bufferCapacity() const { return out_.capacity(); }

 private:
  Result run(std::string_view input, bool isTail, bool& ended);
  bool grow();
  Result fail(Result result);

  int windowBits_;
  bool resetEachMessage_;
  std::size_t maxSize_;
  std::unique_ptr<WsInflateStream> stream_;
  bool failed_ = false;
  // out_.size() is what is allocated; size_ the bytes inflated into it.
  std::string out_;
  std::size_t size_ = 0;
};

}  // namespace linecast
