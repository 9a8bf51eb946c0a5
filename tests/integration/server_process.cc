#include "server_process.h"

#include "tls_pass.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#ifndef LINECAST_SERVER_PATH
#error "LINECAST_SERVER_PATH must name the linecast-server binary"
#endif

namespace linecast::test {
namespace {

constexpr milliseconds kPollInterval{5};
constexpr std::size_t kLogTailBytes = 6000;

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.exited = true;
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
  }
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return "exit code " + std::to_string(code);
  if (signal != 0) return std::string("killed by signal ") + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "unknown status";
}

std::vector<std::string> ServerProcess::baseArgs() {
  // --log-level info: the harness needs the "listening on" line whatever
  // the default level becomes.
  // No HTTP unless a test asks for it: parallel tests would fight over 7401.
  std::vector<std::string> args = {"--port", "0", "--http-port", "0", "--bind", "127.0.0.1",
                                   "--log-level", "info"};
  // The suite runs once with the defaults, once more with one reactor
  // thread (LINECAST_TEST_THREADS=1) and once on the io_uring backend
  // (LINECAST_TEST_IO=uring): the registrations in tests/CMakeLists.txt.
  if (const char* threads = std::getenv("LINECAST_TEST_THREADS")) {
    args.insert(args.end(), {"--threads", threads});
  }
  if (const char* io = std::getenv("LINECAST_TEST_IO"); io != nullptr && *io != '\0') {
    args.insert(args.end(), {"--io", io});
  }
  // And through TLS (LINECAST_TEST_TLS=1): TestClient then handshakes.
  if (tlsPass()) args.insert(args.end(), {"--tls-cert", tlsCertFile(), "--tls-key", tlsKeyFile()});
  return args;
}

std::vector<std::string> ServerProcess::withBaseArgs(const std::vector<std::string>& extraArgs) {
  // A flag given by the test replaces the base one (CLI11 refuses a flag
  // given twice), so e.g. {"--log-level", "debug"} just works.
  std::vector<std::string> base = baseArgs();
  std::vector<std::string> args;
  for (std::size_t i = 0; i + 1 < base.size(); i += 2) {
    bool overridden = false;
    for (const auto& extra : extraArgs) {
      if (extra == base[i] || extra.rfind(base[i] + "=", 0) == 0) overridden = true;
    }
    if (!overridden) {
      args.push_back(base[i]);
      args.push_back(base[i + 1]);
    }
  }
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  return args;
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  if (running()) {
    // Every test ends with the shutdown the contract promises (SIGTERM,
    // exit 0), so a sanitizer build reports what it found at exit too.
    auto status = stop(kTeardownTimeout);
    if (!status) {
      ADD_FAILURE() << "linecast-server (pid " << pid_ << ") did not exit within " << kTeardownTimeout.count()
                    << " ms of SIGTERM at the end of the test; killed";
    } else if (!status->success()) {
      ADD_FAILURE() << "linecast-server (pid " << pid_ << ") ended with " << status->describe()
                    << " after SIGTERM at the end of the test";
    }
  } else if (!weSignalled_ && !expectExit_) {
    ADD_FAILURE() << "linecast-server (pid " << pid_ << ") exited during the test: "
                  << (exitStatus_ ? exitStatus_->describe() : "?");
  }
  bool failed = ::testing::Test::HasFailure();
  if (failed) {
    std::string text = log();
    if (text.size() > kLogTailBytes) text = "...\n" + text.substr(text.size() - kLogTailBytes);
    std::cerr << "---- linecast-server stderr (" << logPath_ << ") ----\n"
              << text << "\n---- end of server stderr ----\n";
  }
  if (!logPath_.empty() && !failed && std::getenv("LINECAST_KEEP_LOGS") == nullptr) {
    ::unlink(logPath_.c_str());
  }
}

bool ServerProcess::spawn(const std::vector<std::string>& args) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "linecast-it-XXXXXX.log").string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int logFd = ::mkostemps(name.data(), 4, O_CLOEXEC);
  if (logFd < 0) return false;
  logPath_ = name.data();
  int nullFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (nullFd < 0) {
    ::close(logFd);
    return false;
  }

  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls.
  std::vector<std::string> full;
  full.reserve(args.size() + 1);
  full.emplace_back(LINECAST_SERVER_PATH);
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(nullFd, STDIN_FILENO);
    ::dup2(logFd, STDOUT_FILENO);
    ::dup2(logFd, STDERR_FILENO);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) ::sigaction(sig, &dfl, nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(logFd);
  ::close(nullFd);
  if (pid < 0) return false;
  pid_ = pid;
  exitStatus_.reset();
  weSignalled_ = false;
  return true;
}

::testing::AssertionResult ServerProcess::start(const std::vector<std::string>& extraArgs,
                                                milliseconds timeout) {
  if (pid_ > 0) return ::testing::AssertionFailure() << "server already started";
  std::vector<std::string> args = withBaseArgs(extraArgs);
  std::string shown;
  for (auto& a : args) shown += " " + a;
  if (!spawn(args)) {
    return ::testing::AssertionFailure() << "cannot spawn " << LINECAST_SERVER_PATH << ": "
                                         << std::strerror(errno);
  }
  auto deadline = Clock::now() + timeout;
  for (int i = 0; i < 100'000 && Clock::now() < deadline; ++i) {
    if (auto port = findPort()) {
      port_ = *port;
      return ::testing::AssertionSuccess();
    }
    if (!running()) {
      expectExit_ = true;  // reported here, not again by the destructor
      return ::testing::AssertionFailure()
             << "linecast-server" << shown << " exited before listening: " << exitStatus_->describe()
             << "\nstderr:\n" << log();
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return ::testing::AssertionFailure() << "linecast-server" << shown << " did not log 'listening on 127.0.0.1:PORT' within "
                                       << timeout.count() << " ms\nstderr:\n" << log();
}

std::optional<ExitStatus> ServerProcess::runToExit(const std::vector<std::string>& args,
                                                   milliseconds timeout) {
  if (pid_ > 0 || !spawn(args)) return std::nullopt;
  expectExit_ = true;
  auto status = waitExit(timeout);
  if (!status) killAndReap();
  return status;
}

std::optional<std::uint16_t> ServerProcess::findPort() const {
  std::istringstream lines(log());
  static const std::string kNeedle = "listening on 127.0.0.1:";
  std::string line;
  for (int i = 0; i < 10'000 && std::getline(lines, line); ++i) {
    auto at = line.find(kNeedle);
    // A later HTTP listener logs a line of its own; the line protocol's
    // port is the one that is not about HTTP.
    if (at == std::string::npos || lower(line).find("http") != std::string::npos) continue;
    std::size_t p = at + kNeedle.size();
    unsigned long port = 0;
    std::size_t digits = 0;
    while (p < line.size() && std::isdigit(static_cast<unsigned char>(line[p])) && digits < 6) {
      port = port * 10 + static_cast<unsigned long>(line[p] - '0');
      ++p;
      ++digits;
    }
    if (digits > 0 && port > 0 && port < 65536) return static_cast<std::uint16_t>(port);
  }
  return std::nullopt;
}

bool ServerProcess::running() {
  if (pid_ <= 0 || exitStatus_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exitStatus_ = decode(status);
    return false;
  }
  return r == 0;
}

bool ServerProcess::sendSignal(int sig) {
  if (!running()) return false;
  weSignalled_ = true;
  return ::kill(pid_, sig) == 0;
}

std::optional<ExitStatus> ServerProcess::waitExit(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (int i = 0; i < 1'000'000; ++i) {
    if (!running()) return exitStatus_;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return std::nullopt;
}

std::optional<ExitStatus> ServerProcess::stop(milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (!running()) return exitStatus_;
  sendSignal(SIGTERM);
  auto status = waitExit(timeout);
  if (!status) killAndReap();
  return status;
}

::testing::AssertionResult ServerProcess::killNine() {
  if (!sendSignal(SIGKILL)) return ::testing::AssertionFailure() << "not running";
  auto status = waitExit(std::chrono::seconds(10));
  if (!status || status->signal != SIGKILL) return ::testing::AssertionFailure() << "did not die of SIGKILL";
  return ::testing::AssertionSuccess();
}

void ServerProcess::killAndReap() {
  if (pid_ <= 0 || exitStatus_) return;
  weSignalled_ = true;
  ::kill(pid_, SIGKILL);
  int status = 0;
  // SIGKILL cannot be caught, so this wait ends.
  for (int i = 0; i < 100; ++i) {
    pid_t r = ::waitpid(pid_, &status, 0);
    if (r == pid_) {
      exitStatus_ = decode(status);
      return;
    }
    if (r < 0 && errno != EINTR) return;
  }
}

std::string ServerProcess::log() const {
  std::ifstream in(logPath_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace linecast::test
