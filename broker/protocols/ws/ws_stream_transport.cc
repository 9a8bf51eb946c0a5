#include "protocols/ws/ws_stream_transport.h"

#include <cerrno>
#include <limits>

namespace linecast {

namespace {

// wire_ holds frames of output the Connection already bounded by
// --max-outbuf; this only keeps reserve() from refusing.
constexpr std::size_t kWireLimit = std::numeric_limits<std::size_t>::max() / 4;

std::span<char> spanOf(const iovec& v) { return {static_cast<char*>(v.iov_base), v.iov_len}; }

}  // namespace

WsStreamTransport::WsStreamTransport(std::unique_ptr<Transport> owned, std::size_t unframed)
    : owned_(std::move(owned)),
      inner_(owned_ ? owned_.get() : &PlainTransport::instance()),
      unframed_(unframed) {}

void WsStreamTransport::decodeAll(const char* data, std::size_t n, WsStreamDecoder::Output& out) {
  std::size_t done = 0;
  while (done < n && !decoder_.ended()) {
    std::size_t before = done;
    done += decoder_.decode(data + done, n - done, out);
    switch (decoder_.stop()) {
      case WsStreamDecoder::Stop::kPing:
        pong_ = WsControlFrame::pong(decoder_.controlPayload());
        pongDue_ = true;
        break;
      case WsStreamDecoder::Stop::kClose:
        // Echo the code (RFC 6455 5.5.1); a close without one gets none.
        if (decoder_.controlPayload().size() >= 2) {
          auto payload = decoder_.controlPayload();
          auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                 static_cast<unsigned char>(payload[1]));
          close_ = WsControlFrame::close(code);
        } else {
          close_ = WsControlFrame::closeEmpty();
        }
        closeDue_ = !closeSent_;
        return;
      case WsStreamDecoder::Stop::kError:
        close_ = WsControlFrame::close(decoder_.errorCode(), decoder_.errorText());
        closeDue_ = !closeSent_;
        return;
      case WsStreamDecoder::Stop::kNone:
        if (done == before) return;  // the output is full (callers leave room)
        break;
    }
  }
}

ssize_t WsStreamTransport::receive(int fd, iovec* iov, int count) {
  if (eofNext_ || decoder_.ended()) return 0;
  WsStreamDecoder::Output out{spanOf(iov[0]), count > 1 ? spanOf(iov[1]) : std::span<char>()};
  // Read the inner transport until it is empty, the input is full or the
  // stream ends: a read that brought only headers or control frames hands
  // up nothing, and with EPOLLET a short answer must mean an empty socket.
  // Each read lands just after the decoded bytes, in the same span, so the
  // in-place decoding writes behind what it reads.
  while (out.room() > 0) {
    bool inFirst = out.size < out.first.size();
    char* at = inFirst ? out.first.data() + out.size : out.second.data() + (out.size - out.first.size());
    std::size_t space = inFirst ? out.first.size() - out.size : out.room();
    iovec raw{at, space};
    ssize_t n = inner_->receive(fd, &raw, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (out.size == 0) return -1;
      return static_cast<ssize_t>(out.size);  // the error (or EAGAIN) comes again next time
    }
    if (n == 0) {
      if (out.size == 0) return 0;
      eofNext_ = true;
      return static_cast<ssize_t>(out.size);
    }
    decodeAll(at, static_cast<std::size_t>(n), out);
    if (decoder_.ended()) {
      if (out.size == 0) return 0;
      eofNext_ = true;
      return static_cast<ssize_t>(out.size);
    }
  }
  return static_cast<ssize_t>(out.size);
}

bool WsStreamTransport::absorb(std::string_view received, RingBuffer& in, std::size_t limit) {
  if (decoder_.ended()) return true;  // after a close nothing more is read
  if (!inner_->absorb(received, received_, limit)) return false;
  return decodeReceived(in, limit);
}

bool WsStreamTransport::decodeEarlyInput(RingBuffer& in, std::size_t limit) {
  if (in.empty()) return true;
  if (!received_.reserve(in.size(), limit)) return false;
  for (auto span : in.readableSpans()) received_.append(std::string_view(span.data(), span.size()));
  in.clear();
  return decodeReceived(in, limit);
}

bool WsStreamTransport::decodeReceived(RingBuffer& in, std::size_t limit) {
  // Decoded bytes are never more than received ones.
  if (!in.reserve(received_.size(), limit)) return false;
  auto spans = in.writableSpans();
  WsStreamDecoder::Output out{spans[0], spans[1]};
  for (auto span : received_.readableSpans()) decodeAll(span.data(), span.size(), out);
  in.commit(out.size);
  received_.clear();
  return true;
}

void WsStreamTransport::appendWire(std::string_view bytes) {
  wire_.reserve(bytes.size(), kWireLimit);
  wire_.append(bytes);
}

void WsStreamTransport::frame(const std::span<const char>* pieces, int count, std::size_t total) {
  std::size_t raw = std::min(unframed_, total);
  unframed_ -= raw;
  std::size_t framed = total - raw;
  if (framed > 0 && !closeSent_) {
    char header[kWsMaxServerHeader];
    appendWire({header, wsWriteHeader(WsOpcode::kBinary, framed, header)});
  }
  // The unframed prefix, then the payload, from the same pieces.
  std::size_t skip = 0;
  for (int i = 0; i < count; ++i) {
    std::string_view piece(pieces[i].data(), pieces[i].size());
    if (piece.empty()) continue;
    std::size_t rawHere = raw > skip ? std::min(raw - skip, piece.size()) : 0;
    skip += piece.size();
    if (rawHere > 0) appendWire(piece.substr(0, rawHere));
    if (!closeSent_ && rawHere < piece.size()) appendWire(piece.substr(rawHere));
  }
  if (pongDue_ && !closeSent_) appendWire(pong_.bytes());
  pongDue_ = false;
  if (closeDue_ && !closeSent_) {
    appendWire(close_.bytes());
    closeSent_ = true;
  }
  closeDue_ = false;
}

bool WsStreamTransport::flushWire(int fd) {
  while (!wire_.empty()) {
    auto spans = wire_.readableSpans();
    iovec iov[2] = {{const_cast<char*>(spans[0].data()), spans[0].size()},
                    {const_cast<char*>(spans[1].data()), spans[1].size()}};
    ssize_t n = inner_->send(fd, iov, spans[1].empty() ? 1 : 2);
    if (n > 0) {
      wire_.consume(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EAGAIN;
    return false;
  }
  // The inner transport may still hold bytes it took earlier (TLS records
  // sealed past what the socket took): an empty send pushes them. Without
  // it the last frames of a backlog waited there for good, this ring being
  // empty (seen with TLS, MqttWsTest.BacklogBeyondTheSocketArrivesWholeAndInOrder).
  while (inner_->pendingWire()) {
    ssize_t n = inner_->send(fd, nullptr, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (inner_->pendingWire()) {
      errno = EAGAIN;
      return false;
    }
  }
  return true;
}

ssize_t WsStreamTransport::send(int fd, const iovec* iov, int count) {
  // What an earlier call framed goes first; until it is out nothing more
  // is taken, so wire_ holds at most one flush's frames.
  if (!flushWire(fd)) return -1;
  std::span<const char> pieces[2];
  std::size_t total = 0;
  for (int i = 0; i < count && i < 2; ++i) {
    pieces[i] = {static_cast<const char*>(iov[i].iov_base), iov[i].iov_len};
    total += iov[i].iov_len;
  }
  frame(pieces, count < 2 ? count : 2, total);
  // Taken whether or not the socket takes the frames now: the rest waits
  // in wire_ (pendingWire) for the next flush.
  if (!flushWire(fd) && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
  return static_cast<ssize_t>(total);
}

RingBuffer& WsStreamTransport::seal(RingBuffer& output) {
  auto spans = output.readableSpans();
  std::span<const char> pieces[2] = {spans[0], spans[1]};
  frame(pieces, 2, output.size());
  output.clear();
  return inner_->seal(wire_);
}

RingBuffer& WsStreamTransport::wire(RingBuffer&) { return inner_->wire(wire_); }

bool WsStreamTransport::pendingWire() const {
  return !wire_.empty() || pongDue_ || (closeDue_ && !closeSent_) || inner_->pendingWire();
}

void WsStreamTransport::sendBestEffort(int fd, std::string_view bytes) {
  // A line written outside the output ring still travels in a frame.
  if (closeSent_ || bytes.size() > kWsMaxControlPayload) return;
  char frame[kWsMaxServerHeader + kWsMaxControlPayload];
  std::size_t header = wsWriteHeader(WsOpcode::kBinary, bytes.size(), frame);
  std::copy(bytes.begin(), bytes.end(), frame + header);
  inner_->sendBestEffort(fd, {frame, header + bytes.size()});
}

void WsStreamTransport::shutdownWrite(int fd) {
  // Our side ends: a close frame (if none went yet), then the inner end.
  if (!closeSent_) {
    closeSent_ = true;
    inner_->sendBestEffort(fd, WsControlFrame::close(ws_close::kNormal).bytes());
  }
  inner_->shutdownWrite(fd);
}

}  // namespace linecast
