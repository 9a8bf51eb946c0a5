#include "client_directory.h"

#include <algorithm>

#include "net/close_reason.h"
#include "net/connection.h"
#include "threads/interconnect.h"

namespace linecast {

const std::string& ClientDirectory::localAddressOf(const Connection& conn) {
  auto [it, fresh] = seen_.try_emplace(conn.id());
  if (fresh) {
    auto known = localAddresses_.find(conn.id());
    it->second = known != localAddresses_.end() ? known->second : localAddress(conn.fd());
  }
  return it->second;
}

bool ClientDirectory::matches(const ClientFilter& filter, const Connection& conn) {
  if (conn.state() == Connection::State::kClosing || !filter.matches(conn)) return false;
  return filter.laddr.empty() || localAddressOf(conn) == filter.laddr;
}

void ClientDirectory::collect(const ClientFilter& filter, Lines& out) {
  seen_.clear();
  // Room for as much as last time at once: growing a buffer of megabytes
  // step by step costs a copy and fresh pages at each step.
  out.text.reserve(lastBytes_);
  out.lines.reserve(lastLines_);
  forEach_([&](Connection& conn) {
    if (!matches(filter, conn)) return;
    std::size_t offset = out.text.size();
    appendClientLine(out.text, conn, localAddressOf(conn), now_);
    out.text.push_back('\n');
    out.lines.push_back({conn.id(), offset, out.text.size() - offset});
  });
  // Keep what this walk looked up (the connections it skipped keep theirs
  // out: they are looked up again if ever listed).
  localAddresses_.swap(seen_);
  lastBytes_ = out.text.size();
  lastLines_ = out.lines.size();
}

std::string ClientDirectory::describe(const Connection& conn) {
  std::string line;
  appendClientLine(line, conn, localAddress(conn.fd()), now_);
  line.push_back('\n');
  return line;
}

std::size_t ClientDirectory::killHere(const ClientFilter& filter, std::uint64_t self, bool& killSelf) {
  std::vector<Connection*> doomed;  // not closed while forEach walks the table
  seen_.clear();
  forEach_([&](Connection& conn) {
    if (!matches(filter, conn)) return;
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
  std::vector<Lines> parts(threads);
  if (net_ == nullptr) {
    collect(filter, parts[0]);
  } else {
    net_->calls().runEverywhere(
        index_, [&](std::size_t thread) { net_->clients(thread).collect(filter, parts[thread]); },
        kTimeoutSeconds);
  }
  struct Found {
    std::uint64_t id;
    std::string_view line;
  };
  std::vector<Found> found;
  std::size_t bytes = 0;
  for (const Lines& part : parts) {
    bytes += part.text.size();
    for (const Lines::Line& line : part.lines) {
      found.push_back({line.id, std::string_view(part.text).substr(line.offset, line.length)});
    }
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.id < b.id; });
  std::string out;
  if (filter.ids.empty()) {
    out.reserve(bytes);
    for (const Found& entry : found) out.append(entry.line);
    return out;
  }
  for (std::uint64_t wanted : filter.ids) {
    auto it = std::lower_bound(found.begin(), found.end(), wanted,
                               [](const Found& entry, std::uint64_t id) { return entry.id < id; });
    if (it != found.end() && it->id == wanted) out.append(it->line);
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
