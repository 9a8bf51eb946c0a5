#include "net/ring_bio.h"

#include <openssl/bio.h>

#include <cstdint>
#include <string_view>

#include "net/ring_buffer.h"

namespace linecast {
namespace {

int ringWrite(BIO* bio, const char* data, int length) {
  if (length <= 0) return 0;
  auto* ring = static_cast<RingBuffer*>(BIO_get_data(bio));
  auto n = static_cast<std::size_t>(length);
  if (!ring->reserve(n, SIZE_MAX)) return -1;
  ring->append(std::string_view(data, n));
  return length;
}

long ringCtrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:  // what is in the ring is the caller's to send
      return 1;
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return static_cast<long>(static_cast<RingBuffer*>(BIO_get_data(bio))->size());
    default:
      return 0;
  }
}

int ringCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// One method table for the process, made on first use (thread-safe static).
const BIO_METHOD* ringMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "linecast ring");
    BIO_meth_set_write(m, ringWrite);
    BIO_meth_set_ctrl(m, ringCtrl);
    BIO_meth_set_create(m, ringCreate);
    return m;
  }();
  return method;
}

}  // namespace

BIO* newRingBio(RingBuffer& ring) {
  BIO* bio = BIO_new(ringMethod());
  if (bio != nullptr) BIO_set_data(bio, &ring);
  return bio;
}

}  // namespace linecast
