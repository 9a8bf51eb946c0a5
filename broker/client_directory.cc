#include "client_directory.h"

#include <algorithm>

#include "net/close_reason.h"
#include "net/connection.h"
#include "threads/interconnect.h"

namespace linecast {

void ClientDirectory::collect(const ClientFilter& filter,
                              std::vector<std::pair<std::uint64_t, std::string>>& out) {
  forEach_([&](Connection& conn) {
    if (conn.state() == Connection::State::kClosing || !filter.matches(conn)) return;
    std::string line;
    appendClientLine(line, conn, now_);
    out.emplace_back(conn.id(), std::move(line));
  });
}

std::size_t ClientDirectory::killHere(const ClientFilter& filter, std::uint64_t self, bool& killSelf) {
  std::vector<Connection*> doomed;  // not closed while forEach walks the table
  forEach_([&](Connection& conn) {
    if (conn.state() == Connection::State::kClosing || !filter.matches(conn)) return;
    if (conn.id() == self) {
      killSelf = true;
    } else {
      doomed.push_back(&conn);
    }
  });
  for (Connection* conn : doomed) conn->abort(CloseReason::kKilled);
  return doomed.size() + (killSelf ? 1 : 0);
}

std::string ClientDirectory::list(const ClientFilter& filter) {
  std::size_t threads = net_ != nullptr ? net_->size() : 1;
  std::vector<std::vector<std::pair<std::uint64_t, std::string>>> parts(threads);
  if (net_ == nullptr) {
    collect(filter, parts[0]);
  } else {
    net_->calls().runEverywhere(
        index_, [&](std::size_t thread) { net_->clients(thread).collect(filter, parts[thread]); },
        kTimeoutSeconds);
  }
  std::vector<std::pair<std::uint64_t, std::string>> lines;
  for (auto& part : parts) std::move(part.begin(), part.end(), std::back_inserter(lines));
  std::string out;
  if (filter.ids.empty()) {
    std::sort(lines.begin(), lines.end());
    for (const auto& [id, line] : lines) out.append(line).push_back('\n');
    return out;
  }
  for (std::uint64_t wanted : filter.ids) {
    auto it = std::find_if(lines.begin(), lines.end(), [&](const auto& entry) { return entry.first == wanted; });
    if (it != lines.end()) out.append(it->second).push_back('\n');
  }
  return out;
}

std::size_t ClientDirectory::kill(const ClientFilter& filter, std::uint64_t self, bool& killSelf) {
  killSelf = false;
  if (net_ == nullptr) return killHere(filter, self, killSelf);
  std::vector<std::size_t> counts(net_->size(), 0);
  std::vector<char> selves(net_->size(), 0);
  net_->calls().runEverywhere(
      index_,
      [&](std::size_t thread) {
        bool mine = false;
        counts[thread] = net_->clients(thread).killHere(filter, self, mine);
        selves[thread] = mine;
      },
      kTimeoutSeconds);
  killSelf = std::find(selves.begin(), selves.end(), 1) != selves.end();
  std::size_t total = 0;
  for (std::size_t count : counts) total += count;
  return total;
}

}  // namespace linecast
