// Fuzz target: a whole in-process Server, driven turn by turn, with several
// loopback clients on its line/RESP port and its HTTP port.
//
// Input: a byte picks one of two servers (with or without --auth-token),
// then a sequence of operations: open a connection (main or HTTP port),
// send raw bytes, send a known command, send a long run of one byte
// (max-line), flood PUBs, run server turns, read, stop reading (a slow
// consumer), half-close, close, reset. The servers live for the whole
// process (small limits: 6 connections, 512-byte lines, 4 KiB output,
// 8 subscriptions); each input ends by resetting its clients. Checked:
//   - no crash and no sanitizer report (the build adds ASan + UBSan);
//   - every byte a client receives is a well-formed reply of its protocol
//     (line, RESP or HTTP; "-ERR max number of clients reached\r\n" on any);
//   - a connection the server closed while the client still talked was
//     closed with an error (-ERR, a RESP error, Connection: close) or
//     after QUIT, unless a slow consumer was cut in this input (that line
//     is best effort);
//   - heap in use stays within the limits while clients are open, and once
//     every client has reset, the server holds no connection, no more
//     descriptors than before, and serves a new client (PING -> PONG).
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "fuzz_input.h"
#include "util/log.h"
#include "server.h"
#include "stream_check.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LINECAST_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LINECAST_FUZZ_ASAN 1
#endif
// g++'s sanitizer headers lack allocator_interface.h (clang's have it);
// the replay build under g++ then skips the heap check.
#if defined(LINECAST_FUZZ_ASAN) && __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else
#undef LINECAST_FUZZ_ASAN
#endif

namespace linecast::fuzz {
namespace {

constexpr std::size_t kMaxConns = 6;
constexpr std::size_t kMaxClients = 9;  // a few past --max-conns
constexpr std::size_t kMaxLine = 512;
constexpr std::size_t kMaxOutbuf = 4096;
constexpr std::size_t kMaxOps = 96;
constexpr std::size_t kMaxReceived = 1 << 20;  // per client, for the checks
// Heap one connection may hold by the limits: its input ring (a partial
// RESP request, 2 x max-line + 64 KiB, plus one 64 KiB read, rounded up to a
// power of two), its output ring and parser state; generous on purpose.
constexpr std::size_t kHeapPerConnection = 768 * 1024;
constexpr std::size_t kHeapSlack = 2 << 20;

constexpr std::string_view kToken = "s3cret";



constexpr std::string_view kCommands[] = {
    "SUB a\n", "SUB a.> * b\n", "SUB x y z w v u t s r\n", "UNSUB\n", "UNSUB a\n", "PUB a x\n",
    "PUB a.b.c hello world\n", "PUB b \n", "PING\n", "PING hi there\n", "QUIT\n",
    "AUTH s3cret\n", "AUTH wrong\n", "PUB a.* no\n", "SUB a..b\n", "FOO bar\n", "\r\n", "\n",
    "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n", "*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n",
    "*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$2\r\nhi\r\n", "*3\r\n$7\r\nPUBLISH\r\n$3\r\na.b\r\n$3\r\nx\ny\r\n",
    "*1\r\n$4\r\nPING\r\n", "*1\r\n$4\r\nQUIT\r\n", "*1\r\n$5\r\nRESET\r\n",
    "*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n", "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n", "*1\r\n$11\r\nUNSUBSCRIBE\r\n",
    "PUBLISH a inline\r\n", "*99999999\r\n", "$5\r\n",
    "GET /healthz HTTP/1.1\r\n\r\n", "POST /pub/a HTTP/1.1\r\nContent-Length: 3\r\n\r\nx\ny",
    "GET /metrics HTTP/1.1\r\nAuthorization: Bearer s3cret\r\n\r\n",
    "GET /stats HTTP/1.1\r\nConnection: close\r\n\r\n", "HEAD /healthz HTTP/1.1\r\n\r\n",
    "POST /pub/a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
    "POST /pub/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
};

std::size_t heapInUse() {
#ifdef LINECAST_FUZZ_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  return 0;
#endif
}

// Open sockets of this process (libFuzzer itself opens and closes files
// and pipes as it goes, so only sockets are counted).
std::size_t openSockets() {
  std::size_t n = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (dirent* entry = ::readdir(dir)) {
      std::string path = std::string("/proc/self/fd/") + entry->d_name;
      char target[64] = {};
      ssize_t len = ::readlink(path.c_str(), target, sizeof target - 1);
      if (len > 0 && std::string_view(target, static_cast<std::size_t>(len)).starts_with("socket:")) ++n;
    }
    ::closedir(dir);
  }
  return n;
}

int connectTo(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  FUZZ_CHECK(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A small receive window, so a client that stops reading fills the
  // server's --max-outbuf soon and is cut as a slow consumer.
  int rcvbuf = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  // On loopback the handshake completes in connect() (the kernel's backlog
  // holds it until the server accepts).
  int r = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  FUZZ_CHECK(r == 0 || errno == EINPROGRESS);
  return fd;
}

void resetAndClose(int fd) {
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(fd);
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

struct Fixture {
  std::unique_ptr<Server> server;
  // Shared by both servers, since descriptors and heap are the process's:
  // the sockets open after the first input, all clients gone, and how much
  // more heap the inputs have left behind in all (libFuzzer allocates
  // between inputs, so only the change across each input is counted).
  std::size_t* idleFds;
  std::int64_t* heapKept;
};

std::unique_ptr<Server> makeServer(bool auth) {
  Config config;
  config.port = 0;
  config.httpPort = freePort();
  config.maxConns = kMaxConns;
  config.maxLine = kMaxLine;
  config.maxOutbuf = kMaxOutbuf;
  config.maxSubs = 8;
  config.readTimeout = 0;  // time is not the fuzzer's to control
  config.authTimeout = 3600;
  config.shutdownGrace = 1;
  if (auth) config.authToken = std::string(kToken);
  return std::make_unique<Server>(config);
}

// Both servers are made on the first call, so that every input runs in a
// process holding the same descriptors.
Fixture& fixture(bool auth) {
  static std::size_t idleFds = 0;
  static std::int64_t heapKept = 0;
  static Fixture fixtures[2];
  if (!fixtures[0].server) {
    ::signal(SIGPIPE, SIG_IGN);
    // LINECAST_FUZZ_LOG=info shows the servers' log (to triage a failure).
    LogLevel level = LogLevel::kError;
    if (const char* env = std::getenv("LINECAST_FUZZ_LOG")) parseLogLevel(env, level);
    setLogLevel(level);
    for (int i = 0; i < 2; ++i) {
      fixtures[i].server = makeServer(i == 1);
      fixtures[i].heapKept = &heapKept;
      fixtures[i].idleFds = &idleFds;
    }
  }
  return fixtures[auth ? 1 : 0];
}

enum class Kind { kUndecided, kLine, kResp, kHttp };

struct Client {
  int fd = -1;
  Kind kind = Kind::kUndecided;
  bool http = false;
  bool reading = true;
  bool shutWrite = false;   // we half-closed: the server may close silently
  bool serverClosed = false;
  bool sentBytes = false;
  std::string sent;  // the first bytes sent, for the report of a failure
  std::string received;
};

class Run {
 public:
  explicit Run(Fixture& f) : f_(f), server_(*f.server) {
    slowBefore_ = server_.metrics().slowConsumers;
    heapAtStart_ = heapInUse();
  }

  void execute(Input& in) {
    for (std::size_t op = 0; op < kMaxOps && !in.empty(); ++op) {
      std::uint8_t code = in.byte();
      switch (code % 12) {
        case 0: open(false); break;
        case 1: open(true); break;
        case 2: {
          Client* c = pick(in);
          std::string_view bytes = in.bytes(1 + in.byte());
          if (c) send(*c, bytes);
          break;
        }
        case 3: {
          Client* c = pick(in);
          std::string_view command = kCommands[in.below(std::size(kCommands))];
          if (c) send(*c, command);
          break;
        }
        case 4: {
          Client* c = pick(in);
          char fill = static_cast<char>(in.byte());
          std::size_t count = in.u16() % 2048;
          if (c) send(*c, std::string(count, fill == '\n' ? 'x' : fill));
          break;
        }
        case 5: turns(1 + in.below(8)); break;
        case 6: if (Client* c = pick(in)) read(*c); break;
        case 7:
          if (Client* c = pick(in)) {
            ::shutdown(c->fd, SHUT_WR);
            c->shutWrite = true;
          }
          break;
        case 8: if (Client* c = pick(in)) drop(*c, false); break;
        case 9: if (Client* c = pick(in)) drop(*c, true); break;
        case 10: if (Client* c = pick(in)) c->reading = !c->reading; break;
        case 11: {
          Client* c = pick(in);
          std::size_t n = 1 + in.below(64);
          std::string payload(in.below(255), 'p');
          std::string flood;
          for (std::size_t i = 0; i < n; ++i) flood += "PUB a " + payload + "\n";
          if (c) send(*c, flood);
          break;
        }
      }
      checkHeap();
    }
  }

  // Lets the server finish what it was given, reading everything.
  void settle() {
    for (Client& c : clients_) c.reading = true;
    int quiet = 0;
    for (int i = 0; i < 400 && quiet < 4; ++i) {
      server_.runOnce(0);
      quiet = readAll() ? 0 : quiet + 1;
    }
  }

  void checkStreams() {
    bool slowConsumerCut = server_.metrics().slowConsumers != slowBefore_;
    for (const Client& c : clients_) {
      if (c.received.size() >= kMaxReceived) continue;  // only a prefix kept
      if (!streamValid(c, slowConsumerCut)) {
        std::fprintf(stderr, "slow consumers cut in this input: %d\n", slowConsumerCut);
        dump(c);
        FUZZ_CHECK(!"a client received bytes the spec does not allow");
      }
    }
  }

  // Resets every client; the server must notice each and end up empty.
  void teardown() {
    for (Client& c : clients_) {
      if (c.fd >= 0) resetAndClose(c.fd);
      c.fd = -1;
    }
    for (int i = 0; i < 2000 && server_.connectionCount() > 0; ++i) server_.runOnce(i < 100 ? 0 : 1);
    FUZZ_CHECK(server_.connectionCount() == 0);
    FUZZ_CHECK(server_.metrics().connections == 0);
  }

  // A new client is served once the others are gone.
  void checkServes() {
    Client c;
    c.fd = connectTo(server_.port());
    send(c, "PING alive\n");
    for (int i = 0; i < 2000 && c.received.find('\n') == std::string::npos && !c.serverClosed; ++i) {
      server_.runOnce(i < 100 ? 0 : 1);
      read(c);
    }
    FUZZ_CHECK(c.received == "PONG alive\n");
    resetAndClose(c.fd);
    for (int i = 0; i < 2000 && server_.connectionCount() > 0; ++i) server_.runOnce(i < 100 ? 0 : 1);
    FUZZ_CHECK(server_.connectionCount() == 0);
  }

  void checkIdle() {
    std::size_t fds = openSockets();
    if (*f_.idleFds == 0) *f_.idleFds = fds;
    FUZZ_CHECK(fds == *f_.idleFds);
  }

 private:
  void open(bool http) {
    if (clients_.size() >= kMaxClients) return;
    Client c;
    c.http = http;
    c.kind = http ? Kind::kHttp : Kind::kUndecided;
    c.fd = connectTo(http ? server_.listenerPort("http") : server_.port());
    clients_.push_back(std::move(c));
  }

  static std::string shown(std::string_view bytes) {
    std::string out;
    for (char ch : bytes.substr(0, 2000)) {
      unsigned char u = static_cast<unsigned char>(ch);
      if (u >= 0x20 && u < 0x7F && ch != '\\') {
        out += ch;
      } else {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", u);
        out += hex;
      }
    }
    return out;
  }

  void dump(const Client& c) const {
    std::string_view received = c.received;
    std::fprintf(stderr,
                 "client kind=%d http=%d shutWrite=%d serverClosed=%d reading=%d\nsent: %s\n"
                 "received (%zu bytes): %s\n...%s\n",
                 static_cast<int>(c.kind), c.http, c.shutWrite, c.serverClosed, c.reading,
                 shown(c.sent).c_str(), received.size(), shown(received.substr(0, 600)).c_str(),
                 shown(received.substr(received.size() > 600 ? received.size() - 600 : 0)).c_str());
  }

  static bool streamValid(const Client& c, bool slowConsumerCut) {
    std::string_view out = c.received;
    constexpr std::string_view kFull = "-ERR max number of clients reached\r\n";
    if (out == kFull) return c.serverClosed || c.fd < 0;
    if (out.empty()) return true;
    // Closed by the server while the client was still talking: it must say
    // why (or have been told QUIT).
    bool mustExplain = c.serverClosed && !c.shutWrite && !slowConsumerCut;
    switch (c.kind) {
      case Kind::kUndecided:
      case Kind::kLine: {
        LineKind last;
        std::string_view tail;
        if (!lineStreamValid(out, last, tail)) return false;
        return !mustExplain || (tail.empty() && (last == LineKind::kError || last == LineKind::kBye));
      }
      case Kind::kResp: {
        bool lastIsError = false;
        bool lastIsOk = false;
        bool complete = false;
        if (!respStreamValid(out, lastIsError, lastIsOk, complete)) return false;
        return !mustExplain || (complete && (lastIsError || lastIsOk));
      }
      case Kind::kHttp:
        return httpStreamValid(out) && (!mustExplain || httpLastAskedToClose(out));
    }
    return false;
  }

  Client* pick(Input& in) {
    if (clients_.empty()) {
      in.byte();
      return nullptr;
    }
    Client& c = clients_[in.below(clients_.size())];
    return c.fd >= 0 ? &c : nullptr;
  }

  void send(Client& c, std::string_view bytes) {
    if (c.shutWrite || bytes.empty()) return;
    if (!c.sentBytes && c.kind == Kind::kUndecided) c.kind = bytes[0] == '*' ? Kind::kResp : Kind::kLine;
    c.sentBytes = true;
    if (c.sent.size() < 4096) c.sent.append(bytes.substr(0, 4096 - c.sent.size()));
    for (int spins = 0; !bytes.empty() && spins < 64; ++spins) {
      ssize_t n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return;  // the server closed it
      server_.runOnce(0);
      readAll();
    }
  }

  // Returns whether any bytes arrived.
  bool read(Client& c) {
    if (c.fd < 0 || c.serverClosed) return false;
    bool any = false;
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        any = true;
        if (c.received.size() < kMaxReceived) c.received.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) c.serverClosed = true;
      return any;
    }
  }

  bool readAll() {
    bool any = false;
    for (Client& c : clients_) {
      if (c.reading) any = read(c) || any;
    }
    return any;
  }

  void turns(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      server_.runOnce(0);
      readAll();
    }
  }

  void drop(Client& c, bool reset) {
    // What arrived before our close still counts for the checks.
    read(c);
    if (reset) {
      resetAndClose(c.fd);
    } else {
      ::close(c.fd);
    }
    c.fd = -1;
    c.shutWrite = true;
  }

  // While clients are open the server may hold, per connection, what the
  // limits allow (the harness's own buffers are not counted).
  void checkHeap() {
    std::size_t heap = heapInUse();
    if (heap == 0) return;
    std::size_t ours = clients_.capacity() * sizeof(Client);
    for (const Client& c : clients_) ours += c.received.capacity();
    FUZZ_CHECK(heap <= heapAtStart_ + ours + kHeapSlack + clients_.size() * kHeapPerConnection);
  }

  Fixture& f_;
  Server& server_;
  std::vector<Client> clients_;
  std::uint64_t slowBefore_ = 0;
  std::size_t heapAtStart_ = 0;
};

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast::fuzz;
  Input input(data, size);
  Fixture& f = fixture(input.byte() & 1);
  std::size_t heapBefore = heapInUse();
  {
    Run run(f);
    run.execute(input);
    run.settle();
    run.checkStreams();
    run.teardown();
    run.checkServes();
    run.checkIdle();
  }
  // Memory is reused, not kept: what the server holds once every client is
  // gone grows only while its tables find their size, never per input.
  *f.heapKept += static_cast<std::int64_t>(heapInUse()) - static_cast<std::int64_t>(heapBefore);
  FUZZ_CHECK(*f.heapKept <= static_cast<std::int64_t>(kHeapSlack));
  return 0;
}
