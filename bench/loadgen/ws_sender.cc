#include "loadgen/ws_sender.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace linecast::bench {

WsSender::WsSender(ByteStream lower, bool lines) : lower_(lower), lines_(lines) {
  // RFC 6455 wants unpredictable masking keys, so that a client's bytes
  // cannot be steered into something a proxy misreads. One seed from
  // OpenSSL per connection, then xorshift: a key per frame costs no syscall.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&rng_), sizeof rng_) != 1 || rng_ == 0)
    rng_ = 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(lower.fd);
}

void WsSender::nextKey(unsigned char key[4]) {
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  auto k = static_cast<std::uint32_t>(rng_ >> 16);
  std::memcpy(key, &k, 4);
}

char* WsSender::reserve(std::size_t more) {
  if (off_ == len_) off_ = len_ = 0;  // everything was sent: start over at the front
  if (len_ + more > cap_) {
    std::size_t cap = std::max<std::size_t>({cap_ * 2, len_ + more, 256});
    auto grown = std::make_unique<char[]>(cap);
    if (len_ > off_) std::memcpy(grown.get(), buf_.get() + off_, len_ - off_);
    len_ -= off_;
    off_ = 0;
    buf_ = std::move(grown);
    cap_ = cap;
  }
  return buf_.get() + len_;
}

void WsSender::queueRaw(std::string_view bytes) {
  std::memcpy(reserve(bytes.size()), bytes.data(), bytes.size());
  len_ += bytes.size();
}

void WsSender::queueControl(WsOpcode opcode, std::string_view payload) {
  appendFrame(opcode, true, payload.data(), std::min(payload.size(), kWsMaxControlPayload));
}

void WsSender::appendFrame(WsOpcode opcode, bool fin, const char* payload, std::size_t n) {
  char* dst = reserve(kWsMaxClientHeader + n);
  unsigned char key[4];
  nextKey(key);
  std::size_t header = writeClientHeader(dst, opcode, fin, n, key);
  maskCopy(dst + header, payload, n, key);
  len_ += header + n;
}

bool WsSender::flush() {
  while (off_ < len_) {
    ssize_t n = lower_.write(buf_.get() + off_, len_ - off_);
    if (n > 0) {
      off_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      if (n == 0) errno = EPIPE;
      return false;
    }
  }
  return true;
}

ssize_t WsSender::write(const char* data, std::size_t size) {
  if (!flush()) return -1;
  std::size_t take = std::min(size, kMaxMessage);
  std::size_t payload = take;
  std::size_t consumed = take;
  bool fin = true;
  if (lines_) {
    const void* nl = take ? ::memrchr(data, '\n', take) : nullptr;
    if (nl != nullptr) {
      payload = static_cast<std::size_t>(static_cast<const char*>(nl) - data);
      consumed = payload + 1;  // the "\n" that ends the message is not sent
    } else {
      fin = false;
    }
  }
  WsOpcode opcode = midMessage_ ? WsOpcode::kContinuation : lines_ ? WsOpcode::kText : WsOpcode::kBinary;
  appendFrame(opcode, fin, data, payload);
  midMessage_ = !fin;
  // The frame is ours now, sent or not: a socket that is full only delays
  // it to the next call.
  if (!flush() && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
  return static_cast<ssize_t>(consumed);
}

}  // namespace linecast::bench
