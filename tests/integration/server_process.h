#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

namespace linecast::test {

// How a child process ended.
struct ExitStatus {
  bool exited = false;  // returned from main / called exit()
  int code = -1;        // exit code when exited
  int signal = 0;       // terminating signal otherwise

  bool success() const { return exited && code == 0; }
  std::string describe() const;
};

// Owns one linecast-server child process: spawns it with its stderr in a
// temporary file (a pipe nobody drains would block the server), learns the
// port from the "listening on 127.0.0.1:PORT" log line, and stops it; the
// destructor sends SIGTERM and fails the test unless the server exits 0 (or
// if it had exited on its own). Only the PID it spawned is ever signalled. The child gets PR_SET_PDEATHSIG so a
// test binary killed by a ctest timeout leaves no server behind; spawn from
// the test's main thread, since the signal follows the spawning thread.
class ServerProcess {
 public:
  static constexpr milliseconds kStartTimeout{10'000};
  static constexpr milliseconds kStopTimeout{10'000};
  // The destructor's SIGTERM: every client is closed by then, so the
  // server should have nothing to flush; still allow it the default
  // --shutdown-grace (5 s) and a margin.
  static constexpr milliseconds kTeardownTimeout{10'000};

  // Arguments every server gets before the test's own. Later flags that
  // open more listeners (e.g. --http-port 0) belong here so that parallel
  // tests never fight over a fixed port.
  static std::vector<std::string> baseArgs();
  // baseArgs() (less the flags that extraArgs gives itself) + extraArgs.
  static std::vector<std::string> withBaseArgs(const std::vector<std::string>& extraArgs);

  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Spawns the server with withBaseArgs(extraArgs) and waits until it has
  // logged its listening port.
  ::testing::AssertionResult start(const std::vector<std::string>& extraArgs = {},
                                   milliseconds timeout = kStartTimeout);

  // Spawns the server with exactly `args` (nothing added) and waits for it
  // to exit on its own; nullopt (and the child killed) if it did not exit
  // within the timeout. For configuration errors, --help, --version.
  std::optional<ExitStatus> runToExit(const std::vector<std::string>& args,
                                      milliseconds timeout = kStartTimeout);

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // True while the child has not exited (reaps it if it has).
  bool running();
  bool sendSignal(int sig);
  // Waits for the child to exit; nullopt on timeout (the child keeps running).
  std::optional<ExitStatus> waitExit(milliseconds timeout);
  // SIGTERM, then waits; on timeout the child is SIGKILLed and nullopt returned.
  std::optional<ExitStatus> stop(milliseconds timeout = kStopTimeout);
  // SIGKILL (a crash, for --data-dir), and it died of it.
  ::testing::AssertionResult killNine();

  // Everything the server has written to stderr so far.
  std::string log() const;
  std::string logPath() const { return logPath_; }

 private:
  bool spawn(const std::vector<std::string>& args);
  std::optional<std::uint16_t> findPort() const;
  void killAndReap();

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string logPath_;
  std::optional<ExitStatus> exitStatus_;
  bool weSignalled_ = false;   // an exit after our own signal is expected
  bool expectExit_ = false;    // runToExit: exiting on its own is the point
};

}  // namespace linecast::test
