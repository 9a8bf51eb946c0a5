#include "cluster/interest_acks.h"

#include <algorithm>

namespace linecast {

void InterestAcks::advertised(std::uint64_t seq, std::size_t needed, const std::vector<std::string>& excused) {
  if (seq <= confirmed_) return;
  Waiting& waiting = waiting_[seq];
  waiting.needed = needed > excused.size() ? needed - excused.size() : 0;
  waiting.excused = excused;
  auto early = early_.find(seq);
  if (early != early_.end()) {
    for (const std::string& node : early->second) {
      if (std::find(excused.begin(), excused.end(), node) == excused.end()) waiting.acked.insert(node);
    }
  }
  early_.erase(early_.begin(), early_.upper_bound(seq));
  advance();
}

void InterestAcks::acknowledged(std::string_view node, std::uint64_t seq) {
  auto it = waiting_.find(seq);
  if (it == waiting_.end()) {
    if (seq > confirmed_ && (waiting_.empty() || seq > waiting_.rbegin()->first)) early_[seq].emplace(node);
    return;
  }
  const std::vector<std::string>& excused = it->second.excused;
  if (std::find(excused.begin(), excused.end(), node) != excused.end()) return;
  if (it->second.acked.find(node) == it->second.acked.end()) it->second.acked.emplace(node);
  advance();
}

void InterestAcks::gone(std::string_view node) {
  for (auto& [seq, waiting] : waiting_) {
    bool excused = std::find(waiting.excused.begin(), waiting.excused.end(), node) != waiting.excused.end();
    if (!excused && waiting.acked.find(node) == waiting.acked.end() && waiting.needed > 0) --waiting.needed;
  }
  advance();
}

void InterestAcks::giveUp(std::uint64_t seq) {
  while (!waiting_.empty() && waiting_.begin()->first <= seq) {
    confirmed_ = waiting_.begin()->first;
    waiting_.erase(waiting_.begin());
  }
  advance();
}

void InterestAcks::linkLost() {
  waiting_.clear();
  early_.clear();
  confirmed_ = 0;
}

// Confirmed moves over the leading advertisements acknowledged enough; a
// later one acknowledged early waits behind an earlier one still pending.
void InterestAcks::advance() {
  while (!waiting_.empty() && waiting_.begin()->second.acked.size() >= waiting_.begin()->second.needed) {
    confirmed_ = waiting_.begin()->first;
    waiting_.erase(waiting_.begin());
  }
}

}  // namespace linecast
