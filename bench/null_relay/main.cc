// linecast-null-relay: the near-physical ceiling for bench/compare (issue 6).
//
// A minimal single-threaded relay that speaks just enough of linecast's line
// protocol for linecast-bench: `SUB ch` adds the connection to the channel's
// subscriber list, `PUB ch payload` appends `MSG ch payload\n` to each
// subscriber's output buffer, `PING [x]` answers `PONG [x]`. Everything else
// is ignored. No wildcards, no limits, no fairness, no unsubscribe: whatever
// linecast-server spends beyond this is the price of its features.
//
//   linecast-null-relay [--port N]     (0: ephemeral; binds 127.0.0.1 only)
//
// Shape: epoll edge-triggered, non-blocking sockets, 64 KiB reads parsed in
// place, one output buffer per connection written once per loop turn.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
// A partial line longer than this is a broken client; drop it rather than
// buffer without bound (the only limit this relay keeps).
constexpr std::size_t kMaxLine = 1 << 20;
// Reads per connection per turn. Without a budget a fast publisher keeps the
// loop in its recv() forever (it refills the socket as fast as we drain it)
// and subscribers are never flushed until it stops.
constexpr int kReadBudget = 4;

struct Conn {
  std::uint64_t id = 0;
  int fd = -1;
  bool closing = false;
  bool dirty = false;                  // in the flush list this turn
  bool requeued = false;               // in the ready list for next turn
  std::string in;                      // an incomplete line carried over
  std::string out;                     // appended during the turn
  std::size_t outOff = 0;              // bytes of `out` already sent
  std::vector<std::string> channels;   // to unsubscribe on close
};

// Connection ids are never reused, so an event for a connection closed
// earlier in the same epoll batch finds nothing and is skipped.
std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns;
std::unordered_map<std::string, std::vector<Conn*>> channels;
std::vector<Conn*> flushList;
std::vector<std::uint64_t> closeList;
std::vector<std::uint64_t> readyList;  // stopped by the budget, not by EAGAIN
std::uint64_t nextId = 1;

// Closing is separate from freeing: the connection is reaped at the end of
// the turn, never in the middle of a fan-out that may still point at it.
void markClosing(Conn* c) {
  if (!c->closing) {
    c->closing = true;
    closeList.push_back(c->id);
  }
}

void markDirty(Conn* c) {
  if (!c->dirty) {
    c->dirty = true;
    flushList.push_back(c);
  }
}

void handleLine(Conn* c, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > 4 && line.compare(0, 4, "PUB ") == 0) {
    std::string_view rest = line.substr(4);
    std::size_t sp = rest.find(' ');
    std::string_view ch = rest.substr(0, sp);
    auto it = channels.find(std::string(ch));
    if (it == channels.end()) return;
    // "MSG " + rest + "\n": the frame is the PUB line with one letter changed.
    for (Conn* s : it->second) {
      s->out.append("MSG ", 4).append(rest).push_back('\n');
      if (sp == std::string_view::npos) s->out.insert(s->out.size() - 1, 1, ' ');
      markDirty(s);
    }
  } else if (line.size() > 4 && line.compare(0, 4, "SUB ") == 0) {
    std::string ch(line.substr(4));
    channels[ch].push_back(c);
    c->channels.push_back(std::move(ch));
  } else if (line.compare(0, 4, "PING") == 0) {
    c->out.append("PONG").append(line.substr(4)).push_back('\n');
    markDirty(c);
  }
}

void readConn(Conn* c) {
  char buf[kReadChunk];
  // With EPOLLET we must drain to EAGAIN or requeue ourselves; otherwise the
  // remaining bytes never raise another edge.
  for (int round = 0;; ++round) {
    if (round == kReadBudget) {
      if (!c->requeued) {
        c->requeued = true;
        readyList.push_back(c->id);
      }
      return;
    }
    ssize_t n = ::recv(c->fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      markClosing(c);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    std::string_view data(buf, static_cast<std::size_t>(n));
    std::size_t pos = 0;
    if (!c->in.empty()) {
      // Complete the carried-over line first, then parse the rest in place.
      std::size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        c->in.append(data);
        if (c->in.size() > kMaxLine) c->in.clear();
        continue;
      }
      c->in.append(data.substr(0, nl));
      handleLine(c, c->in);
      c->in.clear();
      pos = nl + 1;
    }
    for (;;) {
      std::size_t nl = data.find('\n', pos);
      if (nl == std::string_view::npos) break;
      handleLine(c, data.substr(pos, nl - pos));
      pos = nl + 1;
    }
    if (pos < data.size()) c->in.assign(data.substr(pos));
  }
}

// One send per dirty connection per turn; what the socket does not take
// waits for EPOLLOUT (registered once, edge-triggered).
void flush(Conn* c) {
  while (c->outOff < c->out.size()) {
    ssize_t n = ::send(c->fd, c->out.data() + c->outOff, c->out.size() - c->outOff, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) markClosing(c);
      // A subscriber slower than its publisher: drop what was sent so the
      // buffer does not grow by the whole history.
      if (c->outOff > c->out.size() / 2) {
        c->out.erase(0, c->outOff);
        c->outOff = 0;
      }
      return;
    }
    c->outOff += static_cast<std::size_t>(n);
  }
  c->out.clear();
  c->outOff = 0;
}

void reap(std::uint64_t id) {
  auto it = conns.find(id);
  if (it == conns.end()) return;
  Conn* c = it->second.get();
  for (const std::string& ch : c->channels) {
    auto s = channels.find(ch);
    if (s == channels.end()) continue;
    std::erase(s->second, c);
    if (s->second.empty()) channels.erase(s);
  }
  ::close(c->fd);
  conns.erase(it);
}

int listenOn(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(fd, 4096) < 0) {
    std::perror("linecast-null-relay: bind/listen");
    std::exit(1);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::fprintf(stderr, "listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 7400;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: linecast-null-relay [--port N]\n");
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  int lfd = listenOn(port);
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;  // id 0 is the listener
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

  std::vector<epoll_event> events(1024);
  std::vector<std::uint64_t> ready;
  for (;;) {
    // Connections left unread by the budget get no new edge: do not sleep.
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), readyList.empty() ? -1 : 0);
    if (n < 0) {
      if (errno != EINTR) {
        std::perror("linecast-null-relay: epoll_wait");
        return 1;
      }
      n = 0;
    }
    ready.swap(readyList);
    for (std::uint64_t id : ready) {
      auto it = conns.find(id);
      if (it == conns.end() || it->second->closing) continue;
      it->second->requeued = false;
      readConn(it->second.get());
    }
    ready.clear();
    for (int i = 0; i < n; ++i) {
      std::uint64_t id = events[i].data.u64;
      if (id == 0) {
        for (;;) {
          int fd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;  // EAGAIN, or EMFILE: the listener stays level-triggered
          int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto c = std::make_unique<Conn>();
          c->fd = fd;
          std::uint64_t cid = nextId++;
          c->id = cid;
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
          cev.data.u64 = cid;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
          conns.emplace(cid, std::move(c));
        }
        continue;
      }
      auto it = conns.find(id);
      if (it == conns.end() || it->second->closing) continue;
      Conn* c = it->second.get();
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readConn(c);
      if ((events[i].events & EPOLLOUT) && !c->closing && c->outOff < c->out.size()) markDirty(c);
    }
    // End of turn: write every connection that got output once, then reap
    // the closed ones. Nothing was erased during fan-out, so the Conn*
    // in flushList are all alive here.
    for (Conn* c : flushList) {
      c->dirty = false;
      if (!c->closing) flush(c);
    }
    flushList.clear();
    for (std::uint64_t id : closeList) reap(id);
    closeList.clear();
  }
}
