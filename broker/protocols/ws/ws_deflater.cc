#include "protocols/ws/ws_deflater.h"

#include <zlib.h>

#include <algorithm>
#include <new>

namespace linecast {

// zlib's stream, behind the header's forward declaration.
struct WsDeflateStream : z_stream {};

namespace {

// A buffer that grew past this is given back at the next message.
constexpr std::size_t kKeepBuffer = 64 * 1024;
// RFC 7692 7.2.3.6: an empty message, compressed (an empty stored block's
// header before the removed 00 00 ff ff).
constexpr std::string_view kEmptyMessage("\0", 1);

}  // namespace

WsDeflater::WsDeflater(const WsDeflateParams& params)
    : windowBits_(std::clamp(params.serverMaxWindowBits, 9, kMaxWindowBits)),
      resetEachMessage_(params.serverNoContextTakeover) {}

WsDeflater::~WsDeflater() { release(); }

void WsDeflater::release() {
  if (stream_) deflateEnd(stream_.get());
  stream_.reset();
}

WsDeflater::Message WsDeflater::encode(std::string_view message) {
  std::size_t minSize = resetEachMessage_ ? kMinSizeWithoutContext : kMinSizeWithContext;
  if (message.size() < minSize) return {message, false};
  return {compress(message), true};
}

std::string_view WsDeflater::compress(std::string_view message) {
  if (out_.capacity() > kKeepBuffer) std::string().swap(out_);
  // The stream is left as it is: an empty message adds nothing to the
  // window, and zlib writes nothing for a second flush in a row.
  if (message.empty()) return kEmptyMessage;
  if (!stream_) {
    auto stream = std::make_unique<WsDeflateStream>();
    // Negative window bits: raw DEFLATE, no zlib header (RFC 7692 7.2.1).
    if (deflateInit2(stream.get(), kLevel, Z_DEFLATED, -windowBits_, kMemLevel,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();  // the only way it fails with these arguments
    }
    stream_ = std::move(stream);
  }
  z_stream* z = stream_.get();
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
  z->avail_in = static_cast<uInt>(message.size());
  // Room for all of it as a rule (zlib's bound plus the flush's marker;
  // zlib wants more than 6 bytes free at a sync flush).
  out_.resize(std::max<std::size_t>(out_.size(), deflateBound(z, z->avail_in) + 16));
  std::size_t size = 0;
  while (true) {
    z->next_out = reinterpret_cast<Bytef*>(out_.data() + size);
    z->avail_out = static_cast<uInt>(out_.size() - size);
    deflate(z, Z_SYNC_FLUSH);  // cannot fail: the stream is valid and has room
    size = out_.size() - z->avail_out;
    // Room left over means the flush is complete.
    if (z->avail_out != 0) break;
    out_.resize(out_.size() * 2);
  }
  if (resetEachMessage_) deflateReset(z);
  // A sync flush ends with an empty stored block: 00 00 ff ff.
  return {out_.data(), size - 4};
}

}  // namespace linecast
