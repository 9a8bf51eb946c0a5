#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cluster/remote_interest.h"

namespace linecast {

// RemoteInterest's answers per Redis channel, remembered with the view's
// version they were given at, so that deciding whether a run of messages is
// published costs a hash and a compare, and the glob scan runs once per
// channel per change of interest anywhere (docs/ARCHITECTURE.md, 5b,
// thread 0's publishRuns, for other threads' runs). Direct-mapped like RouteCache: a
// slot taken by another channel keeps its string's capacity, so a stream of
// distinct channels stops allocating once the slots have grown.
class InterestVerdicts {
 public:
  static constexpr std::size_t kSlots = 1024;

  InterestVerdicts() : slots_(std::make_unique<Slot[]>(kSlots)) {}

  bool wanted(std::string_view channel, const RemoteInterest& view);
  // Answers computed by the view (not from a slot) so far: for tests and
  // for a metric of how often interest changes cost a scan.
  std::uint64_t computed() const { return computed_; }

 private:
  struct Slot {
    std::string channel;
    std::uint64_t hash = 0;
    std::uint64_t version = 0;  // 0: empty (RemoteInterest's versions start at 1)
    bool wanted = true;
  };
  std::unique_ptr<Slot[]> slots_;
  std::uint64_t computed_ = 0;
};

}  // namespace linecast
