#include "cluster/hiredis_reactor_adapter.h"

#include <hiredis/async.h>
#include <sys/epoll.h>

#include "net/reactor.h"

namespace linecast {

void HiredisReactorAdapter::attach(redisAsyncContext* context) {
  fd_ = context->c.fd;
  registered_ = 0;
  wanted_ = 0;
  context->ev.data = this;
  context->ev.addRead = addRead;
  context->ev.delRead = delRead;
  context->ev.addWrite = addWrite;
  context->ev.delWrite = delWrite;
  context->ev.cleanup = cleanup;
}

void HiredisReactorAdapter::want(std::uint32_t events) {
  wanted_ = events;
  if (wanted_ == registered_ || fd_ < 0) return;
  if (registered_ == 0) {
    reactor_.add(fd_, wanted_, key_);
  } else if (wanted_ == 0) {
    reactor_.remove(fd_);
  } else {
    reactor_.modify(fd_, wanted_, key_);
  }
  registered_ = wanted_;
}

void HiredisReactorAdapter::addRead(void* self) {
  auto* a = static_cast<HiredisReactorAdapter*>(self);
  a->want(a->wanted_ | EPOLLIN);
}

void HiredisReactorAdapter::delRead(void* self) {
  auto* a = static_cast<HiredisReactorAdapter*>(self);
  a->want(a->wanted_ & ~std::uint32_t{EPOLLIN});
}

void HiredisReactorAdapter::addWrite(void* self) {
  auto* a = static_cast<HiredisReactorAdapter*>(self);
  a->want(a->wanted_ | EPOLLOUT);
}

void HiredisReactorAdapter::delWrite(void* self) {
  auto* a = static_cast<HiredisReactorAdapter*>(self);
  a->want(a->wanted_ & ~std::uint32_t{EPOLLOUT});
}

void HiredisReactorAdapter::cleanup(void* self) {
  // hiredis frees the context (and closes the descriptor) right after.
  auto* a = static_cast<HiredisReactorAdapter*>(self);
  a->want(0);
  a->fd_ = -1;
}

void HiredisReactorAdapter::writeNow(redisAsyncContext* context) { redisAsyncHandleWrite(context); }

}  // namespace linecast
