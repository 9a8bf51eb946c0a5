// linecast-soak: a C10K churn soak against a real linecast-server.
//
// It starts the server (--server PATH, with --max-conns 20000 on a free
// port) or uses a running one (--port P --pid PID), raises its own
// descriptor limit to the hard limit, and runs --waves waves. In each wave
// --conns subscribers connect (non-blocking, epoll, a bounded number of
// handshakes in flight), each subscribes to one of --channels channels and
// waits for its PONG; --publishers connections publish all the while at
// --publish-rate messages per second in all, round-robin over the channels,
// each message "MSG soak.<c> <publisher> <seq>" numbered per publisher and
// channel. Once every subscriber of the wave is confirmed, the publishers'
// counts are marked; after --wave-seconds each publisher sends PING and,
// at its PONG, marks again: every message between the two marks must reach
// every subscriber of its channel, in order, with no gap (docs/PROTOCOL.md,
// "Guarantees"). Then the subscribers leave (QUIT, close or reset, mixed)
// while the publishers go on, and the server's descriptors
// (/proc/PID/fd) must come back to their count before the first wave;
// its VmRSS is read then. Checks: no message lost, descriptors back to the
// baseline after every wave, and the RSS after the last wave within
// --rss-tolerance percent of the RSS after the first. Everything is bounded
// by --seconds. Exit 0 when every check holds.
//
// MQTT: --mqtt-share percent of each wave's subscribers, and as many of the
// publishers (rounded, at least one while the share is not 0, at least one
// line publisher while it is under 100), speak MQTT 3.1.1 to the server's
// --mqtt-port on the same channels: topic soak/<c> is channel soak.<c>
// (docs/PROTOCOL.md, "MQTT 3.1.1"), payload "<publisher> <seq>". An MQTT
// subscriber sends CONNECT (clean session, its own client id) and
// SUBSCRIBE, and is confirmed by SUBACK; every other one subscribes at
// QoS 1 and answers each QoS 1 delivery with PUBACK. An MQTT publisher
// sends its messages at QoS 0 and QoS 1 in turn, marks with PINGREQ and
// PINGRESP, and must have had every QoS 1 PUBLISH acknowledged, in order,
// by then. MQTT subscribers leave with DISCONNECT (the server closes), a
// close or a reset, mixed as the line ones. The checks are the same: the
// messages of both kinds of publisher reach both kinds of subscriber, in
// order and without a gap.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "loadgen/mqtt_protocol.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

double nowSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Options {
  std::string server;
  std::string io;  // --io for the server it starts; empty: its default
  std::uint16_t port = 0;
  int pid = 0;
  int conns = 10000;
  int waves = 10;
  double seconds = 600;
  double waveSeconds = 5;
  double publishRate = 2000;
  int publishers = 4;
  int channels = 1000;
  double rssTolerance = 10;  // percent; negative: report only
  int maxHandshakes = 1000;
  int mqttShare = 20;         // percent of subscribers and publishers on MQTT
  std::uint16_t mqttPort = 0;  // of a running server (--port); the started one gets a free one
};

using linecast::bench::Event;
using linecast::bench::EventType;
using linecast::bench::MqttDecoder;
using linecast::bench::MqttEncoder;

constexpr std::size_t kMqttMaxPayload = 1024;
// DISCONNECT: the client's last packet; the server then closes (3.14.4).
constexpr std::string_view kMqttDisconnect{"\xe0\x00", 2};

// The share spread evenly over a wave's subscribers: subscriber i speaks
// MQTT when the running count of the share steps up at i, at QoS 1 every
// other time. -1: the line protocol.
int mqttQosOf(std::size_t i, int share) {
  std::size_t before = i * static_cast<std::size_t>(share) / 100;
  if ((i + 1) * static_cast<std::size_t>(share) / 100 == before) return -1;
  return static_cast<int>(before % 2);
}

// The channel a subscriber listens on and a publisher writes to, in its
// protocol's spelling.
std::string channelName(bool mqtt, int channel) { return fmt::format("soak{}{}", mqtt ? '/' : '.', channel); }

// Hands a decoder's events to a callable.
template <class F>
struct SinkOf final : linecast::bench::EventSink {
  explicit SinkOf(F& f) : f(f) {}
  void onEvent(const Event& event) override { f(event); }
  F& f;
};

// The server's descriptor count and resident memory, from /proc.
std::size_t countFds(int pid) {
  std::size_t n = 0;
  if (DIR* dir = ::opendir(fmt::format("/proc/{}/fd", pid).c_str())) {
    while (dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
  }
  return n;
}

long rssKiB(int pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int connectNonBlocking(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One client socket: what it still has to send and the partial line read
// (line protocol), or its MQTT decoder.
struct Peer {
  int fd = -1;
  std::string out;
  std::string in;
  std::unique_ptr<MqttDecoder> mqtt;  // null: the line protocol
  bool connected = false;
  bool closed = false;
};

struct Subscriber : Peer {
  int channel = 0;
  int qos = 0;  // MQTT's granted QoS
  bool confirmed = false;
  std::vector<std::int64_t> next;  // per publisher: next seq expected, -1 none yet
  std::uint64_t received = 0;
};

struct Publisher : Peer {
  std::vector<std::int64_t> sent;  // per channel: messages sent
  std::vector<std::int64_t> mark;  // counts when the PING was sent
  bool pinging = false;
  bool pinged = false;
  // MQTT: every other message is QoS 1, with the next packet id; PUBACKs
  // come in that order.
  bool nextQos1 = false;
  std::uint16_t lastId = 0;    // the last packet id sent
  std::uint16_t ackedId = 0;   // the last one acknowledged
  std::uint64_t unacked = 0;   // QoS 1 PUBLISHes not acknowledged yet
};

class Soak {
 public:
  explicit Soak(const Options& o) : o_(o) {}

  int run();

 private:
  bool startServer();
  void stopServer();
  bool flushOut(Peer& p);
  // Reads what arrived; calls onLine for every complete line. False on EOF.
  template <class OnLine>
  bool readLines(Peer& p, OnLine&& onLine);
  // The same for an MQTT peer: onEvent for every packet. False on EOF or a
  // malformed packet.
  template <class OnEvent>
  bool readPackets(Peer& p, OnEvent&& onEvent);
  void onSubscriberLine(Subscriber& s, std::string_view line);
  void onSubscriberPacket(Subscriber& s, const Event& event);
  // A delivery "<publisher> <seq>" on `channel`, in either protocol.
  void onDelivery(Subscriber& s, std::string_view channel, std::string_view payload);
  void onPublisherPacket(Publisher& p, const Event& event);
  bool readSubscriber(Subscriber& s);
  bool readPublisher(Publisher& p);
  bool connectPublishers();
  void publishOne(Publisher& p, int channel);
  void publishSome();
  void poll(int timeoutMs);
  bool waveConnect(int wave);
  bool waveDeliver();
  void waveLeave(int wave);
  bool waitFdsBaseline(double timeout);
  bool timeUp() const { return nowSeconds() > deadline_; }

  Options o_;
  int pid_ = 0;
  bool ownServer_ = false;
  std::uint16_t port_ = 0;
  std::uint16_t mqttPort_ = 0;
  int epoll_ = -1;
  int mqttPublishers_ = 0;
  std::size_t mqttSubscribers_ = 0;  // per wave
  std::size_t mqttQos1Subscribers_ = 0;
  MqttEncoder mqttQos0_{0};
  MqttEncoder mqttQos1_{1};
  std::vector<Publisher> pubs_;
  std::vector<Subscriber> subs_;
  std::vector<std::vector<std::int64_t>> start_;  // [publisher][channel]
  double deadline_ = 0;
  double lastPublish_ = 0;
  double publishCredit_ = 0;
  int nextChannel_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t checked_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t disorder_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t connected_ = 0;
  std::uint64_t connectFailures_ = 0;
  std::uint64_t mqttDelivered_ = 0;
  std::uint64_t mqttPublished_ = 0;
  std::uint64_t pubacks_ = 0;
  std::size_t baselineFds_ = 0;
};

bool Soak::startServer() {
  port_ = freePort();
  do {
    mqttPort_ = freePort();
  } while (mqttPort_ == port_);
  std::string log = fmt::format("/tmp/linecast-soak-server-{}.log", ::getpid());
  std::vector<std::string> args = {o_.server, "--port", std::to_string(port_), "--http-port", "0",
                                   "--max-conns", "20000", "--log-level", "warn",
                                   "--max-outbuf", "16MiB", "--mqtt-port", std::to_string(mqttPort_)};
  if (!o_.io.empty()) args.insert(args.end(), {"--io", o_.io});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int logFd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (logFd >= 0) {
      ::dup2(logFd, 1);
      ::dup2(logFd, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (logFd >= 0) ::close(logFd);
  if (pid < 0) return false;
  pid_ = pid;
  ownServer_ = true;
  // Listening once a connection is accepted.
  for (int i = 0; i < 500; ++i) {
    int fd = connectNonBlocking(port_);
    pollfd pfd{fd, POLLOUT, 0};
    bool up = fd >= 0 && ::poll(&pfd, 1, 20) == 1 && !(pfd.revents & (POLLERR | POLLHUP));
    if (fd >= 0) ::close(fd);
    if (up) {
      fmt::print("soak: started {} (pid {}) on port {}, log {}\n", o_.server, pid_, port_, log);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void Soak::stopServer() {
  if (!ownServer_ || pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      fmt::print("soak: server exited with {}\n",
                 WIFEXITED(status) ? fmt::format("code {}", WEXITSTATUS(status))
                                   : fmt::format("signal {}", WTERMSIG(status)));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  fmt::print("soak: server did not exit within 10 s of SIGTERM; killed\n");
}

bool Soak::flushOut(Peer& p) {
  while (!p.out.empty()) {
    ssize_t n = ::send(p.fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      p.out.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    return false;
  }
  return true;
}

template <class OnLine>
bool Soak::readLines(Peer& p, OnLine&& onLine) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
    if (n > 0) {
      p.in.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = p.in.find('\n', start)) != std::string::npos; start = nl + 1) {
        onLine(std::string_view(p.in).substr(start, nl - start));
      }
      p.in.erase(0, start);
      continue;
    }
    if (n == 0) return false;
    return errno == EAGAIN || errno == EINTR;
  }
}

template <class OnEvent>
bool Soak::readPackets(Peer& p, OnEvent&& onEvent) {
  char buf[65536];
  SinkOf sink(onEvent);
  for (;;) {
    ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (!p.mqtt->feed(std::string_view(buf, static_cast<std::size_t>(n)), sink)) {
        fmt::print("soak: MQTT from the server: {}\n", p.mqtt->error());
        ++disorder_;
        return false;
      }
      continue;
    }
    if (n == 0) return false;
    return errno == EAGAIN || errno == EINTR;
  }
}

void Soak::onSubscriberLine(Subscriber& s, std::string_view line) {
  if (line.rfind("PONG", 0) == 0) {
    s.confirmed = true;
    return;
  }
  if (line == "+OK bye") return;  // leaving with QUIT
  // MSG soak.<c> <publisher> <seq>
  std::size_t a = line.find(' ', 4);
  if (line.rfind("MSG ", 0) != 0 || a == std::string_view::npos) {
    fmt::print("soak: subscriber got {}\n", line);
    ++disorder_;
    return;
  }
  onDelivery(s, line.substr(4, a - 4), line.substr(a + 1));
}

void Soak::onSubscriberPacket(Subscriber& s, const Event& event) {
  switch (event.type) {
    case EventType::kOk:  // CONNACK
      return;
    case EventType::kSubscribed:
      s.confirmed = true;
      return;
    case EventType::kMessage:
      if (event.packetId != 0) mqttQos0_.puback(s.out, event.packetId);
      ++mqttDelivered_;
      onDelivery(s, event.channel, event.payload);
      return;
    default:
      fmt::print("soak: MQTT subscriber got {}\n", event.text.empty() ? "an unexpected packet" : event.text);
      ++disorder_;
  }
}

void Soak::onDelivery(Subscriber& s, std::string_view channel, std::string_view payload) {
  std::size_t space = payload.find(' ');
  int pub = std::atoi(std::string(payload.substr(0, space)).c_str());
  if (channel != channelName(s.mqtt != nullptr, s.channel) || space == std::string_view::npos || pub < 0 ||
      pub >= o_.publishers) {
    fmt::print("soak: subscriber of {} got {} {}\n", channelName(s.mqtt != nullptr, s.channel), channel, payload);
    ++disorder_;
    return;
  }
  std::int64_t seq = std::atoll(std::string(payload.substr(space + 1)).c_str());
  ++s.received;
  ++delivered_;
  std::int64_t& next = s.next[static_cast<std::size_t>(pub)];
  if (next >= 0 && seq != next) {
    if (seq > next) {
      lost_ += static_cast<std::uint64_t>(seq - next);  // a gap: lost in the middle
    } else {
      ++disorder_;  // a repeat or out of order
    }
  }
  next = seq + 1;
}

void Soak::onPublisherPacket(Publisher& p, const Event& event) {
  switch (event.type) {
    case EventType::kOk:  // CONNACK
      return;
    case EventType::kAcked:
      // PUBACKs come in the order of the PUBLISHes (MQTT 3.1.1, 4.6).
      if (p.unacked == 0 || event.packetId != static_cast<std::uint16_t>(p.ackedId % 65535 + 1)) {
        fmt::print("soak: MQTT publisher got PUBACK {} after {}\n", event.packetId, p.ackedId);
        ++disorder_;
      }
      p.ackedId = event.packetId;
      if (p.unacked > 0) --p.unacked;
      ++pubacks_;
      return;
    case EventType::kPong:
      if (!p.pinging) break;
      if (p.unacked != 0) {
        fmt::print("soak: MQTT publisher's PINGRESP came before {} PUBACKs\n", p.unacked);
        ++disorder_;
      }
      p.pinging = false;
      p.pinged = true;
      return;
    default:
      break;
  }
  fmt::print("soak: MQTT publisher got {}\n", event.text.empty() ? "an unexpected packet" : event.text);
  ++disorder_;
}

bool Soak::readSubscriber(Subscriber& s) {
  bool open = s.mqtt ? readPackets(s, [&](const Event& event) { onSubscriberPacket(s, event); })
                     : readLines(s, [&](std::string_view line) { onSubscriberLine(s, line); });
  return flushOut(s) && open;  // PUBACKs
}

bool Soak::readPublisher(Publisher& p) {
  if (p.mqtt) return readPackets(p, [&](const Event& event) { onPublisherPacket(p, event); });
  return readLines(p, [&](std::string_view line) {
    if (line.rfind("PONG", 0) == 0 && p.pinging) {
      p.pinging = false;
      p.pinged = true;
    } else if (line.rfind("-ERR", 0) == 0) {
      fmt::print("soak: publisher got {}\n", line);
      ++disorder_;
    }
  });
}

void Soak::publishOne(Publisher& p, int c) {
  std::size_t pubIndex = static_cast<std::size_t>(&p - pubs_.data());
  std::int64_t seq = p.sent[static_cast<std::size_t>(c)]++;
  if (!p.mqtt) {
    p.out += fmt::format("PUB soak.{} {} {}\n", c, pubIndex, seq);
    return;
  }
  std::string topic = channelName(true, c);
  std::string payload = fmt::format("{} {}", pubIndex, seq);
  if (p.nextQos1) {
    p.lastId = static_cast<std::uint16_t>(p.lastId % 65535 + 1);  // 1..65535, round and round
    ++p.unacked;
    mqttQos1_.publish(p.out, topic, payload, p.lastId);
  } else {
    mqttQos0_.publish(p.out, topic, payload);
  }
  p.nextQos1 = !p.nextQos1;
  ++mqttPublished_;
}

void Soak::publishSome() {
  double now = nowSeconds();
  publishCredit_ += (now - lastPublish_) * o_.publishRate;
  lastPublish_ = now;
  publishCredit_ = std::min(publishCredit_, o_.publishRate);  // at most a second's worth at once
  while (publishCredit_ >= 1) {
    publishCredit_ -= 1;
    Publisher& p = pubs_[published_ % pubs_.size()];
    if (p.pinging) continue;
    int c = nextChannel_;
    nextChannel_ = (nextChannel_ + 1) % o_.channels;
    publishOne(p, c);
    ++published_;
  }
  for (Publisher& p : pubs_) {
    if (!flushOut(p)) {
      fmt::print("soak: publisher lost its connection\n");
      p.closed = true;
    }
  }
}

void Soak::poll(int timeoutMs) {
  epoll_event events[1024];
  int n = ::epoll_wait(epoll_, events, 1024, timeoutMs);
  for (int i = 0; i < n; ++i) {
    std::uint64_t key = events[i].data.u64;
    if (key >= (1ull << 32)) {
      Publisher& p = pubs_[key - (1ull << 32)];
      if (!readPublisher(p)) p.closed = true;
      continue;
    }
    Subscriber& s = subs_[key];
    if (s.fd < 0) continue;
    if (!s.connected) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        ++connectFailures_;
        ::close(s.fd);
        s.fd = -1;
        continue;
      }
      s.connected = true;
      ++connected_;
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = key;
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, s.fd, &ev);
      flushOut(s);
    }
    if (!readSubscriber(s)) s.closed = true;
  }
}

bool Soak::waveConnect(int wave) {
  subs_.clear();
  subs_.resize(static_cast<std::size_t>(o_.conns));
  std::size_t started = 0;
  std::size_t confirmed = 0;
  while (confirmed < subs_.size() && !timeUp()) {
    // A bounded number of handshakes in flight, so the listen queue holds.
    std::size_t inFlight = started - confirmed;
    while (started < subs_.size() && inFlight < static_cast<std::size_t>(o_.maxHandshakes)) {
      Subscriber& s = subs_[started];
      s.channel = static_cast<int>(started % static_cast<std::size_t>(o_.channels));
      s.next.assign(static_cast<std::size_t>(o_.publishers), -1);
      int qos = mqttQosOf(started, o_.mqttShare);
      bool mqtt = qos >= 0;
      s.fd = connectNonBlocking(mqtt ? mqttPort_ : port_);
      if (s.fd < 0) {
        fmt::print("soak: socket/connect failed: {}\n", std::strerror(errno));
        return false;
      }
      if (mqtt) {
        s.qos = qos;
        s.mqtt = std::make_unique<MqttDecoder>(kMqttMaxPayload);
        const MqttEncoder& encoder = s.qos == 1 ? mqttQos1_ : mqttQos0_;
        encoder.connect(s.out, fmt::format("soak{}-{}-{}", ::getpid(), wave, started));
        encoder.subscribe(s.out, channelName(true, s.channel), 1);
      } else {
        s.out = fmt::format("SUB soak.{}\nPING\n", s.channel);
      }
      epoll_event ev{};
      ev.events = EPOLLOUT | EPOLLIN;
      ev.data.u64 = started;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &ev);
      ++started;
      ++inFlight;
    }
    publishSome();
    poll(5);
    confirmed = 0;
    for (std::size_t i = 0; i < started; ++i) confirmed += subs_[i].confirmed || subs_[i].fd < 0;
    for (std::size_t i = 0; i < started; ++i) {
      if (subs_[i].fd < 0 && !subs_[i].confirmed) {
        fmt::print("soak: subscriber {} failed to connect\n", i);
        return false;
      }
    }
  }
  return confirmed == subs_.size();
}

bool Soak::waveDeliver() {
  // Every SUB has taken effect: what the publishers send from now on must
  // reach every subscriber of its channel.
  for (std::size_t j = 0; j < pubs_.size(); ++j) start_[j] = pubs_[j].sent;
  double until = nowSeconds() + o_.waveSeconds;
  while (nowSeconds() < until && !timeUp()) {
    publishSome();
    poll(5);
  }
  for (Publisher& p : pubs_) {
    p.mark = p.sent;
    p.pinging = true;
    p.pinged = false;
    if (p.mqtt) {
      mqttQos0_.ping(p.out);  // PINGREQ
    } else {
      p.out += "PING mark\n";
    }
    flushOut(p);
  }
  // PONG: every PUB before it is queued to every subscriber.
  while (!timeUp()) {
    bool all = true;
    for (Publisher& p : pubs_) all = all && p.pinged;
    if (all) break;
    poll(5);
  }
  // Subscribers read until they have all of [start, mark) or time runs out.
  double readDeadline = std::min(deadline_, nowSeconds() + 30);
  for (;;) {
    bool complete = true;
    for (const Subscriber& s : subs_) {
      for (std::size_t j = 0; j < pubs_.size() && complete; ++j) {
        std::int64_t want = pubs_[j].mark[static_cast<std::size_t>(s.channel)];
        if (want > start_[j][static_cast<std::size_t>(s.channel)] && s.next[j] < want) complete = false;
      }
      if (!complete) break;
    }
    if (complete || nowSeconds() > readDeadline) break;
    poll(5);
  }
  bool ok = true;
  for (const Subscriber& s : subs_) {
    for (std::size_t j = 0; j < pubs_.size(); ++j) {
      auto c = static_cast<std::size_t>(s.channel);
      std::int64_t from = start_[j][c];
      std::int64_t to = pubs_[j].mark[c];
      if (to <= from) continue;
      checked_ += static_cast<std::uint64_t>(to - from);
      std::int64_t got = s.next[j];
      // The first message seen must be no later than `from`; the stream is
      // gap-free (counted as it arrives), so [first, next) was received.
      if (got < 0) {
        lost_ += static_cast<std::uint64_t>(to - from);
        ok = false;
      } else if (got < to) {
        lost_ += static_cast<std::uint64_t>(to - got);
        ok = false;
      }
    }
  }
  for (Publisher& p : pubs_) p.pinging = false;
  return ok;
}

void Soak::waveLeave(int wave) {
  // Mixed: most say QUIT (the server closes first), some close, some reset.
  for (std::size_t i = 0; i < subs_.size(); ++i) {
    Subscriber& s = subs_[i];
    if (s.fd < 0) continue;
    std::size_t kind = (i + static_cast<std::size_t>(wave)) % 10;
    if (kind < 8) {
      s.out = s.mqtt ? std::string(kMqttDisconnect) : std::string("QUIT\n");
      flushOut(s);
      continue;
    }
    if (kind == 9) {
      linger lg{1, 0};
      ::setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    ::close(s.fd);
    s.fd = -1;
  }
  // The QUIT ones close once the server has closed (EOF), publishers going on.
  double until = std::min(deadline_, nowSeconds() + 30);
  for (;;) {
    std::size_t open = 0;
    for (Subscriber& s : subs_) {
      if (s.fd >= 0 && s.closed) {
        ::close(s.fd);
        s.fd = -1;
      }
      open += s.fd >= 0;
    }
    if (open == 0 || nowSeconds() > until) break;
    publishSome();
    poll(5);
  }
  for (Subscriber& s : subs_) {
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
  }
}

bool Soak::waitFdsBaseline(double timeout) {
  double until = std::min(deadline_, nowSeconds() + timeout);
  while (nowSeconds() < until) {
    if (countFds(pid_) <= baselineFds_) return true;
    publishSome();
    poll(10);
  }
  return countFds(pid_) <= baselineFds_;
}

bool Soak::connectPublishers() {
  // The share of the publishers, rounded; at least one of each kind while
  // the share is strictly between 0 and 100. The MQTT ones come last.
  int mqtt = (o_.publishers * o_.mqttShare + 50) / 100;
  if (o_.mqttShare > 0) mqtt = std::max(mqtt, 1);
  if (o_.mqttShare < 100) mqtt = std::min(mqtt, o_.publishers - 1);
  mqttPublishers_ = std::max(mqtt, 0);
  pubs_.resize(static_cast<std::size_t>(o_.publishers));
  start_.resize(pubs_.size());
  for (std::size_t j = 0; j < pubs_.size(); ++j) {
    Publisher& p = pubs_[j];
    bool isMqtt = j >= pubs_.size() - static_cast<std::size_t>(mqttPublishers_);
    p.sent.assign(static_cast<std::size_t>(o_.channels), 0);
    p.fd = connectNonBlocking(isMqtt ? mqttPort_ : port_);
    pollfd pfd{p.fd, POLLOUT, 0};
    if (p.fd < 0 || ::poll(&pfd, 1, 5000) != 1) {
      fmt::print("soak: publisher could not connect\n");
      return false;
    }
    p.connected = true;
    if (isMqtt) {
      p.mqtt = std::make_unique<MqttDecoder>(kMqttMaxPayload);
      mqttQos1_.connect(p.out, fmt::format("soak{}-publisher-{}", ::getpid(), j));
      flushOut(p);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = (1ull << 32) + j;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, p.fd, &ev);
  }
  return true;
}

int Soak::run() {
  deadline_ = nowSeconds() + o_.seconds;
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < static_cast<rlim_t>(o_.conns + o_.publishers + 64)) {
    fmt::print("soak: descriptor limit {} is too low for {} connections\n", lim.rlim_cur, o_.conns);
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (!o_.server.empty()) {
    if (!startServer()) {
      fmt::print("soak: could not start {}\n", o_.server);
      stopServer();
      return 2;
    }
  } else {
    port_ = o_.port;
    mqttPort_ = o_.mqttPort;
    pid_ = o_.pid;
  }
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  baselineFds_ = countFds(pid_);
  if (!connectPublishers()) {
    stopServer();
    return 2;
  }
  lastPublish_ = nowSeconds();
  // The baseline: the server with only the publishers connected.
  for (int i = 0; i < 100 && countFds(pid_) < baselineFds_ + pubs_.size(); ++i) poll(10);
  baselineFds_ = countFds(pid_);
  for (std::size_t i = 0; i < static_cast<std::size_t>(o_.conns); ++i) {
    int qos = mqttQosOf(i, o_.mqttShare);
    mqttSubscribers_ += qos >= 0;
    mqttQos1Subscribers_ += qos == 1;
  }
  fmt::print("soak: baseline {} fds, VmRSS {} KiB; {} subscribers per wave ({} MQTT: {} at QoS 0, {} at QoS 1), "
             "{} waves, {} publishers ({} MQTT, QoS 0 and 1 in turn) at {}/s\n",
             baselineFds_, rssKiB(pid_), o_.conns, mqttSubscribers_, mqttSubscribers_ - mqttQos1Subscribers_,
             mqttQos1Subscribers_, o_.waves, o_.publishers, mqttPublishers_, o_.publishRate);

  bool ok = true;
  long firstRss = -1;
  long lastRss = -1;
  long peakRss = 0;
  std::size_t lastFds = 0;
  int wavesDone = 0;
  for (int wave = 0; wave < o_.waves && !timeUp(); ++wave) {
    double t0 = nowSeconds();
    std::uint64_t lostBefore = lost_;
    if (!waveConnect(wave)) {
      fmt::print("soak: wave {}: not every subscriber was confirmed in time\n", wave + 1);
      ok = false;
      break;
    }
    long atPeak = rssKiB(pid_);
    peakRss = std::max(peakRss, atPeak);
    std::size_t peakFds = countFds(pid_);
    bool delivered = waveDeliver();
    waveLeave(wave);
    bool fdsBack = waitFdsBaseline(30);
    lastFds = countFds(pid_);
    lastRss = rssKiB(pid_);
    if (firstRss < 0) firstRss = lastRss;
    ++wavesDone;
    fmt::print("soak: wave {}: {} subscribers, server fds {} -> {} (baseline {}), VmRSS peak {} KiB, after {} KiB, "
               "lost {}, {:.1f} s\n",
               wave + 1, o_.conns, peakFds, lastFds, baselineFds_, atPeak, lastRss, lost_ - lostBefore,
               nowSeconds() - t0);
    if (!delivered) ok = false;
    if (!fdsBack) {
      fmt::print("soak: wave {}: server descriptors did not come back to the baseline\n", wave + 1);
      ok = false;
    }
    bool allClosedPubs = true;
    for (const Publisher& p : pubs_) allClosedPubs = allClosedPubs && !p.closed;
    if (!allClosedPubs) {
      fmt::print("soak: a publisher was disconnected\n");
      ok = false;
      break;
    }
  }
  if (wavesDone < o_.waves) {
    fmt::print("soak: only {} of {} waves within --seconds {}\n", wavesDone, o_.waves, o_.seconds);
    ok = false;
  }
  double growth = firstRss > 0 ? 100.0 * static_cast<double>(lastRss - firstRss) / static_cast<double>(firstRss) : 0;
  bool rssOk = o_.rssTolerance < 0 || growth <= o_.rssTolerance;
  if (!rssOk) ok = false;
  if (lost_ > 0 || disorder_ > 0) ok = false;
  for (Publisher& p : pubs_) ::close(p.fd);
  fmt::print(
      "soak: {} waves x {} subscribers ({} connections made, {} failed), published {}, delivered {}, "
      "checked {}, lost {}, out of order or unexpected {}\n"
      "soak: MQTT: published {} (PUBACKs {}), delivered {}\n"
      "soak: server fds baseline {} after {}; VmRSS after wave 1 {} KiB, after wave {} {} KiB ({:+.1f}%, "
      "tolerance {}), peak {} KiB\n",
      wavesDone, o_.conns, connected_, connectFailures_, published_, delivered_, checked_, lost_, disorder_,
      mqttPublished_, pubacks_, mqttDelivered_,
      baselineFds_, lastFds, firstRss, wavesDone, lastRss, growth,
      o_.rssTolerance < 0 ? std::string("report only") : fmt::format("{}%", o_.rssTolerance), peakRss);
  stopServer();
  fmt::print("soak: {}\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"linecast-soak: C10K churn soak (connect, subscribe, receive, disconnect) against linecast-server"};
  app.add_option("--server", o.server, "linecast-server binary to start (with --max-conns 20000 on a free port)");
  app.add_option("--io", o.io, "--io epoll|uring for the server it starts");
  app.add_option("--port", o.port, "port of a running server (with --pid)");
  app.add_option("--pid", o.pid, "PID of that server, for /proc/PID/fd and VmRSS");
  app.add_option("--conns", o.conns, "subscribers connected at once in each wave")->capture_default_str();
  app.add_option("--waves", o.waves, "churn waves")->capture_default_str();
  app.add_option("--seconds", o.seconds, "bound on the whole run")->capture_default_str();
  app.add_option("--wave-seconds", o.waveSeconds, "publishing time while a wave is all subscribed")
      ->capture_default_str();
  app.add_option("--publish-rate", o.publishRate, "messages per second, all publishers together")
      ->capture_default_str();
  app.add_option("--publishers", o.publishers, "publishing connections")->capture_default_str();
  app.add_option("--channels", o.channels, "channels the subscribers spread over")->capture_default_str();
  app.add_option("--rss-tolerance", o.rssTolerance,
                 "percent the RSS after the last wave may exceed the RSS after the first (negative: report only)")
      ->capture_default_str();
  app.add_option("--max-handshakes", o.maxHandshakes, "connections being set up at once")->capture_default_str();
  app.add_option("--mqtt-share", o.mqttShare,
                 "percent of the subscribers and publishers that speak MQTT 3.1.1 (QoS 0 and 1) instead of the "
                 "line protocol")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  app.add_option("--mqtt-port", o.mqttPort, "MQTT port of a running server (with --port; not needed at --mqtt-share 0)");
  CLI11_PARSE(app, argc, argv);
  if (o.server.empty() == (o.port == 0) || (o.port != 0 && o.pid == 0)) {
    fmt::print(stderr, "give either --server PATH, or --port and --pid of a running server\n");
    return 2;
  }
  if (o.port != 0 && o.mqttShare > 0 && o.mqttPort == 0) {
    fmt::print(stderr, "a running server needs --mqtt-port, or --mqtt-share 0\n");
    return 2;
  }
  if (o.conns < 1 || o.waves < 1 || o.publishers < 1 || o.channels < 1 || o.publishRate <= 0) {
    fmt::print(stderr, "--conns, --waves, --publishers, --channels and --publish-rate must be positive\n");
    return 2;
  }
  return Soak(o).run();
}
