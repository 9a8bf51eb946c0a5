#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "net/client_list.h"

namespace linecast {

class Connection;
class Interconnect;

// Every connection of the process, for Redis's CLIENT LIST and CLIENT KILL:
// one per reactor thread, over that thread's connections. A question about
// all of them asks each thread to answer for its own (ThreadCalls), so no
// thread reads or closes a connection it does not own.
class ClientDirectory {
 public:
  // forEach(f) calls f with each of this thread's connections; `now` is the
  // thread's clock.
  using ForEach = std::function<void(const std::function<void(Connection&)>&)>;
  ClientDirectory(ForEach forEach, const double& now) : forEach_(std::move(forEach)), now_(now) {}

  // With several threads (before any runs).
  void attach(Interconnect& net, std::size_t index) {
    net_ = &net;
    index_ = index;
  }

  // The CLIENT LIST lines, each ending in '\n', of every matching
  // connection: by id (which is age order), or in the order of the
  // filter's ids, once per id given, as Redis does.
  std::string list(const ClientFilter& filter);

  // Closes every matching connection and counts them. The asking
  // connection, `self`, is counted but left open: it is told so in
  // killSelf and closes after its reply.
  std::size_t kill(const ClientFilter& filter, std::uint64_t self, bool& killSelf);

  // This thread's part of list(): (id, line) pairs.
  void collect(const ClientFilter& filter, std::vector<std::pair<std::uint64_t, std::string>>& out);
  // This thread's part of kill().
  std::size_t killHere(const ClientFilter& filter, std::uint64_t self, bool& killSelf);

 private:
  static constexpr double kTimeoutSeconds = 2;  // only a thread that stopped serving takes it

  ForEach forEach_;
  const double& now_;
  Interconnect* net_ = nullptr;
  std::size_t index_ = 0;
};

}  // namespace linecast
