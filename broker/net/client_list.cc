#include "net/client_list.h"

#include <sys/socket.h>

#include <algorithm>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "net/connection.h"
#include "net/listener.h"
#include "net/session.h"
#include "util/ascii.h"

namespace linecast {

namespace {

bool isPubsub(const Connection& conn) {
  SessionDescription about;
  conn.session().describe(conn, about);
  return about.channels + about.patterns + about.shardChannels > 0;
}

std::string_view userOf(const Connection& conn) {
  // No users file, or not logged in as one of its users: Redis's "default".
  return conn.user().empty() ? std::string_view("default") : std::string_view(conn.user());
}

}  // namespace

bool parseClientType(std::string_view name, ClientFilter::Type& type) {
  if (equalsIgnoreCase(name, "normal")) {
    type = ClientFilter::Type::kNormal;
  } else if (equalsIgnoreCase(name, "pubsub")) {
    type = ClientFilter::Type::kPubsub;
  } else if (equalsIgnoreCase(name, "master") || equalsIgnoreCase(name, "replica") ||
             equalsIgnoreCase(name, "slave")) {
    type = ClientFilter::Type::kNone;
  } else {
    return false;
  }
  return true;
}

bool ClientFilter::matches(const Connection& conn) const {
  if (conn.id() == skip) return false;
  if (!ids.empty() && std::find(ids.begin(), ids.end(), conn.id()) == ids.end()) return false;
  if (!addr.empty() && conn.peer() != addr) return false;
  if (userSet && userOf(conn) != user) return false;
  switch (type) {
    case Type::kAny: break;
    case Type::kNone: return false;
    case Type::kNormal: if (isPubsub(conn)) return false; break;
    case Type::kPubsub: if (!isPubsub(conn)) return false; break;
  }
  return true;
}

std::string localAddress(int fd) {
  sockaddr_storage addr{};
  socklen_t length = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) return "?";
  return formatAddress(&addr);
}

void appendClientLine(std::string& out, const Connection& conn, std::string_view laddr, double now) {
  SessionDescription about;
  conn.session().describe(conn, about);
  bool pubsub = about.channels + about.patterns + about.shardChannels > 0;
  // Redis's flags, those that can apply here, in Redis's order.
  std::string flags;
  if (pubsub) flags += 'P';
  if (about.queued >= 0) flags += 'x';
  if (conn.state() == Connection::State::kDraining) flags += 'c';
  if (conn.state() == Connection::State::kClosing || conn.state() == Connection::State::kLingering) flags += 'A';
  if (about.noEvict) flags += 'e';
  if (flags.empty()) flags = "N";
  const RingBuffer& in = conn.input();
  const RingBuffer& pending = conn.output();
  // Redis's per-client memory is its buffers; ours are the two rings.
  std::size_t memory = in.capacity() + pending.capacity() + sizeof(Connection);
  auto seconds = [](double elapsed) { return static_cast<long long>(std::max(0.0, elapsed)); };
  // Compiled: parsing the format string was a tenth of a CLIENT LIST.
  fmt::format_to(std::back_inserter(out),
                 FMT_COMPILE("id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db=0 sub={} psub={} "
                 "ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem={} rbs={} rbp={} obl=0 "
                 "oll=0 omem={} tot-mem={} events={} cmd={} user={} redir=-1 resp={} protocol={}"),
                 conn.id(), conn.peer(), laddr, conn.fd(), about.name,
                 seconds(now - conn.openedAt), seconds(conn.idleSeconds(now)), flags, about.channels, about.patterns,
                 about.shardChannels, about.queued, in.size(), in.freeSpace(), about.queuedBytes,
                 in.capacity(), in.capacity(), pending.size(), memory,
                 conn.wantsWritable ? "rw" : "r", about.lastCommand, userOf(conn), about.resp,
                 about.protocol);
}

}  // namespace linecast
