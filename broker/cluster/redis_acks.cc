#include "cluster/redis_acks.h"

namespace linecast {

void RedisAcks::applied(std::size_t thread, std::uint64_t batch) {
  if (batch != 0) unnumbered_.emplace_back(thread, batch);
}

void RedisAcks::number(bool resubscribing) {
  if (resubscribing) return;
  for (auto [thread, batch] : unnumbered_) pending_[thread].push_back({batch, sent_, storesSent_, advertsSent_});
  unnumbered_.clear();
}

}  // namespace linecast
