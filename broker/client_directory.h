#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
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

  // This thread's part of list(): its lines, each with its '\n', in one
  // buffer (a string per line was a third of a CLIENT LIST of 10,000).
  struct Lines {
    struct Line {
      std::uint64_t id;
      std::size_t offset;
      std::size_t length;
    };
    std::string text;
    std::vector<Line> lines;
  };
  void collect(const ClientFilter& filter, Lines& out);
  // This thread's part of kill().
  std::size_t killHere(const ClientFilter& filter, std::uint64_t self, bool& killSelf);
  // CLIENT INFO: the connection's own line, with its '\n'.
  std::string describe(const Connection& conn);

 private:
  static constexpr double kTimeoutSeconds = 2;  // only a thread that stopped serving takes it

  // Whether conn matches, laddr included; its local address is looked up
  // once and kept, for the connections of the last walk only.
  bool matches(const ClientFilter& filter, const Connection& conn);
  const std::string& localAddressOf(const Connection& conn);

  ForEach forEach_;
  const double& now_;
  std::unordered_map<std::uint64_t, std::string> localAddresses_;  // by connection id
  std::unordered_map<std::uint64_t, std::string> seen_;  // this walk's, swapped in after it
  std::size_t lastBytes_ = 0;  // what the last collect() gave
  std::size_t lastLines_ = 0;
  Interconnect* net_ = nullptr;
  std::size_t index_ = 0;
};

}  // namespace linecast
