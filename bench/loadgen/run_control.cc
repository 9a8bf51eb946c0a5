#include "loadgen/run_control.h"

namespace linecast::bench {

void RunControl::fail(const std::string& message) {
  std::lock_guard lock(mutex_);
  if (error_.empty()) error_ = message;
  failed_.store(true, std::memory_order_release);
}

std::string RunControl::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

}  // namespace linecast::bench
