#include "cluster/cluster_hub.h"

#include <unistd.h>

#include <cstdint>
#include <iterator>
#include <utility>

namespace linecast {

ClusterHub::ClusterHub(std::size_t threads, std::string nodeId) : nodeId_(std::move(nodeId)), handed_(threads) {
  for (std::size_t i = 0; i < threads; ++i) outboxes_.push_back(std::make_unique<ClusterOutbox>());
}

void ClusterHub::handOver(std::size_t thread) {
  ClusterOutbox& outbox = *outboxes_[thread];
  if (outbox.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Handed& handed = handed_[thread];
    handed.messages.append(outbox.messages());
    if (outbox.batchOpen()) handed.batch = outbox.sealBatch();
    std::move(outbox.changes().begin(), outbox.changes().end(), std::back_inserter(handed.changes));
  }
  outbox.messages().clear();
  outbox.changes().clear();
  if (thread != 0 && wakeFd_ >= 0 && !woken_.exchange(true)) {
    std::uint64_t one = 1;
    ssize_t ignored = ::write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }
}

void ClusterHub::take(std::vector<Handed>& out) {
  out.resize(handed_.size());
  for (Handed& h : out) {
    h.messages.clear();
    h.changes.clear();
    h.batch = 0;
  }
  woken_.store(false);
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < handed_.size(); ++i) {
    // Swapped: both buffers keep their capacity for the next turns.
    out[i].messages.swap(handed_[i].messages);
    out[i].changes.swap(handed_[i].changes);
    std::swap(out[i].batch, handed_[i].batch);
  }
}

}  // namespace linecast
