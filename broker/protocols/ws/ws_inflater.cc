#include "protocols/ws/ws_inflater.h"

#include <zlib.h>

#include <algorithm>

#include "protocols/ws/ws_frame.h"

namespace linecast {

// zlib's stream, behind the header's forward declaration so that including
// ws_inflater.h does not include zlib.h.
struct WsInflateStream : z_stream {};

namespace {

// RFC 7692 7.2.2: the sender removed these four bytes (the end of the
// empty stored block a sync flush writes); the receiver puts them back.
constexpr unsigned char kTail[] = {0x00, 0x00, 0xFF, 0xFF};
constexpr std::size_t kFirstBuffer = 4096;
// A buffer that grew past this is given back at the next message.
constexpr std::size_t kKeepBuffer = 64 * 1024;

}  // namespace

WsInflater::WsInflater(const WsDeflateParams& params, std::size_t maxSize)
    : windowBits_(params.clientMaxWindowBits),
      resetEachMessage_(params.clientNoContextTakeover),
      maxSize_(maxSize) {}

WsInflater::~WsInflater() {
  if (stream_) inflateEnd(stream_.get());
}

std::uint16_t WsInflater::closeCode(Result result) {
  switch (result) {
    case Result::kTooBig: return ws_close::kTooBig;
    case Result::kCorrupt: return ws_close::kInvalidPayload;
    case Result::kOk: break;
  }
  return 0;
}

WsInflater::Result WsInflater::fail(Result result) {
  failed_ = true;
  return result;
}

WsInflater::Result WsInflater::inflate(std::string_view compressed) {
  if (failed_) return Result::kCorrupt;
  if (out_.capacity() > kKeepBuffer) std::string().swap(out_);
  size_ = 0;
  // No bytes at all is an empty message that leaves the stream as it is:
  // what zlib's compressor writes for an empty message right after a
  // flush. Inflating the tail alone would leave a stored block half read.
  if (compressed.empty()) return Result::kOk;
  if (!stream_) {
    auto stream = std::make_unique<WsInflateStream>();
    // Negative: raw DEFLATE, no zlib header (RFC 7692 7.2.2). zlib's
    // inflate takes a window of 8 (unlike its deflate). Failing here means
    // zlib could not allocate: the message is too big for the server to
    // process (1009).
    if (inflateInit2(stream.get(), -windowBits_) != Z_OK) return fail(Result::kTooBig);
    stream_ = std::move(stream);
  }
  bool ended = false;
  Result result = run(compressed, false, ended);
  if (result == Result::kOk && !ended) {
    result = run({reinterpret_cast<const char*>(kTail), sizeof kTail}, true, ended);
  }
  if (result != Result::kOk) return fail(result);
  if (resetEachMessage_) inflateReset(stream_.get());
  return Result::kOk;
}

// Feeds `input` to the stream, growing the output as it fills, up to the
// limit. `ended`: the input ended with a final block (BFINAL), so the tail
// must not be fed (it would leave a new stream's stored block half read).
WsInflater::Result WsInflater::run(std::string_view input, bool isTail, bool& ended) {
  z_stream* z = stream_.get();
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z->avail_in = static_cast<uInt>(input.size());
  while (true) {
    // At the limit, a 1-byte probe tells whether there is more output.
    bool probing = size_ == out_.size() && !grow();
    unsigned char probe = 0;
    z->next_out = probing ? &probe : reinterpret_cast<Bytef*>(out_.data() + size_);
    z->avail_out = probing ? 1 : static_cast<uInt>(out_.size() - size_);
    int rc = ::inflate(z, Z_SYNC_FLUSH);
    if (probing) {
      if (z->avail_out == 0) return Result::kTooBig;
    } else {
      size_ = out_.size() - z->avail_out;
    }
    if (rc == Z_STREAM_END) {
      // A final block ends the DEFLATE stream (RFC 7692 7.2.3.4 lets a
      // sender end a message with one). What follows starts a new stream,
      // which refers to nothing before it (RFC 1951), so a plain reset:
      // O(1), however many final blocks a message holds.
      inflateReset(z);
      if (isTail || z->avail_in == 0) {
        ended = true;
        return Result::kOk;
      }
      continue;
    }
    // zlib allocates the window at the first output: failing to is 1009,
    // as in inflate() above.
    if (rc == Z_MEM_ERROR) return Result::kTooBig;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return Result::kCorrupt;
    // Room left over: inflate stopped for want of input.
    if (z->avail_out != 0) return z->avail_in == 0 ? Result::kOk : Result::kCorrupt;
  }
}

// Makes room for more output, at most up to the limit. The new buffer is a
// fresh string reserved exactly: std::string's own growth may double its
// capacity past the limit.
bool WsInflater::grow() {
  if (out_.size() >= maxSize_) return false;
  std::size_t target = std::min(maxSize_, std::max(kFirstBuffer, out_.size() * 2));
  std::string bigger;
  bigger.reserve(target);
  bigger.assign(out_, 0, size_);
  bigger.resize(target);
  out_.swap(bigger);
  return true;
}

}  // namespace linecast
