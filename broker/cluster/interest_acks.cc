#include "cluster/interest_acks.h"

namespace linecast {

void InterestAcks::advertised(std::uint64_t seq, const std::vector<std::string>& nodes) {
  waiting_[seq].insert(nodes.begin(), nodes.end());
  advance();
}

void InterestAcks::acknowledged(std::string_view node, std::uint64_t seq) {
  for (auto it = waiting_.begin(); it != waiting_.end() && it->first <= seq; ++it) {
    auto found = it->second.find(node);
    if (found != it->second.end()) it->second.erase(found);
  }
  advance();
}

void InterestAcks::gone(std::string_view node) {
  for (auto& [seq, nodes] : waiting_) {
    auto found = nodes.find(node);
    if (found != nodes.end()) nodes.erase(found);
  }
  advance();
}

// Nothing sent will be acknowledged over a lost link: no PONG waits for it.
void InterestAcks::linkLost() {
  if (!waiting_.empty()) confirmed_ = waiting_.rbegin()->first;
  waiting_.clear();
}

// Confirmed moves over the leading advertisements nobody is waited for; a
// later one acknowledged early waits behind an earlier one still pending.
void InterestAcks::advance() {
  while (!waiting_.empty() && waiting_.begin()->second.empty()) {
    confirmed_ = waiting_.begin()->first;
    waiting_.erase(waiting_.begin());
  }
}

}  // namespace linecast
