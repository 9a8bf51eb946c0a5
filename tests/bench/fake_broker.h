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

namespace linecast::bench::testing {

// A tiny linecast-protocol broker for the loadgen's end-to-end tests: SUB,
// PING and PUB on 127.0.0.1, an ephemeral port, one thread, blocking writes.
// It can misbehave on purpose, so tests can check that the loadgen notices.
class FakeBroker {
 public:
  enum class Fault { kNone, kMisdeliver, kSilent, kDropEveryTenth, kDropAll };

  explicit FakeBroker(Fault fault = Fault::kNone) : fault_(fault) {
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
        std::size_t nl;
        while ((nl = in.find('\n')) != std::string::npos) {
          std::string line = in.substr(0, nl);
          in.erase(0, nl + 1);
          onLine(fds[i].fd, line);
        }
      }
    }
  }

  void onLine(int fd, const std::string& line) {
    if (line.rfind("SUB ", 0) == 0) {
      subs_[line.substr(4)].insert(fd);
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

  static void send(int fd, const std::string& bytes) {
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
    ::close(fd);
  }

  Fault fault_;
  int listen_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::map<int, std::string> clients_;  // fd -> unparsed input
  std::map<std::string, std::set<int>> subs_;
  std::uint64_t published_ = 0;
  std::thread thread_;
};

}  // namespace linecast::bench::testing
