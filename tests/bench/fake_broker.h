#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/ws_upgrade.h"
#include "ws_wire.h"

namespace linecast::bench::testing {

// A tiny linecast-protocol broker for the loadgen's end-to-end tests: SUB,
// PING and PUB on 127.0.0.1, an ephemeral port, one thread, blocking writes.
// It can misbehave on purpose, so tests can check that the loadgen notices.
// With kWebSocket it speaks the line protocol over WebSocket as linecast's
// /ws does: an upgrade first, then lines in masked client messages, and
// each line it sends as one text message without its "\n".
class FakeBroker {
 public:
  enum class Fault { kNone, kMisdeliver, kSilent, kDropEveryTenth, kDropAll };
  enum class Transport { kLines, kWebSocket };

  explicit FakeBroker(Fault fault = Fault::kNone, Transport transport = Transport::kLines)
      : fault_(fault), ws_(transport == Transport::kWebSocket) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_, 1024);
    socklen_t len = sizeof addr;
    getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { loop(); });
  }

  ~FakeBroker() {
    stop_ = true;
    thread_.join();
    for (auto& [fd, in] : clients_) ::close(fd);
    ::close(listen_);
  }

  std::uint16_t port() const { return port_; }
  // SUB commands received so far (from any thread).
  std::uint64_t subscriptions() const { return subscriptions_.load(); }

 private:
  void loop() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_, POLLIN, 0}};
      for (auto& [fd, in] : clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) clients_[fd];
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        char buf[65536];
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          drop(fds[i].fd);
          continue;
        }
        std::string& in = clients_[fds[i].fd];
        in.append(buf, static_cast<std::size_t>(n));
        if (ws_) {
          onWebSocketBytes(fds[i].fd, in);
          continue;
        }
        std::size_t nl;
        while ((nl = in.find('\n')) != std::string::npos) {
          std::string line = in.substr(0, nl);
          in.erase(0, nl + 1);
          onLine(fds[i].fd, line);
        }
      }
    }
  }

  void onWebSocketBytes(int fd, std::string& in) {
    if (!upgraded_.count(fd)) {
      std::size_t end = in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      std::size_t at = in.find("Sec-WebSocket-Key: ");
      std::string key = in.substr(at + 19, in.find("\r\n", at) - at - 19);
      in.erase(0, end + 4);
      upgraded_.insert(fd);
      sendRaw(fd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Accept: " + wsAcceptFor(key) + "\r\n\r\n");
    }
    std::vector<ClientFrame> frames;
    in.erase(0, parseClientFrames(in, frames));
    std::string& message = messages_[fd];
    for (const ClientFrame& f : frames) {
      if (f.opcode > 0x2) continue;  // control frames: none expected
      message += f.payload;
      if (!f.fin) continue;
      // One or more lines; the last one needs no "\n".
      std::size_t start = 0;
      while (start <= message.size()) {
        std::size_t nl = message.find('\n', start);
        if (nl == std::string::npos) nl = message.size();
        onLine(fd, message.substr(start, nl - start));
        start = nl + 1;
      }
      message.clear();
    }
  }

  void onLine(int fd, const std::string& line) {
    if (line.rfind("SUB ", 0) == 0) {
      subs_[line.substr(4)].insert(fd);
      ++subscriptions_;
    } else if (line == "PING") {
      if (fault_ != Fault::kSilent) send(fd, "PONG\n");
    } else if (line.rfind("PUB ", 0) == 0) {
      std::size_t space = line.find(' ', 4);
      std::string channel = line.substr(4, space - 4);
      std::string frame = "MSG " + line.substr(4) + "\n";
      if (fault_ == Fault::kDropEveryTenth && ++published_ % 10 == 0) return;
      if (fault_ == Fault::kDropAll) return;  // confirms (PONG), delivers nothing
      if (fault_ == Fault::kMisdeliver) {
        for (auto& [ch, set] : subs_)
          for (int sub : set) send(sub, frame);
        return;
      }
      for (int sub : subs_[channel]) send(sub, frame);
    }
  }

  // One line, "\n" included: as it is, or as one WebSocket message.
  void send(int fd, const std::string& line) {
    sendRaw(fd, ws_ ? serverFrame(0x1, std::string_view(line).substr(0, line.size() - 1)) : line);
  }

  static void sendRaw(int fd, const std::string& bytes) {
    std::size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<std::size_t>(n);
    }
  }

  void drop(int fd) {
    for (auto& [ch, set] : subs_) set.erase(fd);
    clients_.erase(fd);
    upgraded_.erase(fd);
    messages_.erase(fd);
    ::close(fd);
  }

  Fault fault_;
  bool ws_;
  std::set<int> upgraded_;                 // WebSocket: past the upgrade
  std::map<int, std::string> messages_;    // WebSocket: a fragmented message so far
  int listen_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::map<int, std::string> clients_;  // fd -> unparsed input
  std::map<std::string, std::set<int>> subs_;
  std::uint64_t published_ = 0;
  std::atomic<std::uint64_t> subscriptions_{0};
  std::thread thread_;
};

}  // namespace linecast::bench::testing
