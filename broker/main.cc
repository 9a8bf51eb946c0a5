#include <signal.h>

#include <cstdio>
#include <exception>
#include <stdexcept>

#include "config.h"
#include "util/log.h"
#include "threads/reactor_group.h"

namespace {

linecast::ReactorGroup* gServer = nullptr;

void onStopSignal(int) {
  if (gServer != nullptr) gServer->requestStop();
}

void onReloadSignal(int) {
  if (gServer != nullptr) gServer->requestReload();
}

}  // namespace

int main(int argc, char** argv) {
  int exitCode = 0;
  auto config = linecast::parseConfig(argc, argv, exitCode);
  if (!config) return exitCode;
  linecast::LogLevel level;
  linecast::parseLogLevel(config->logLevel, level);
  linecast::setLogLevel(level);

  // A peer that closes while we write must cost an EPIPE, not the process.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    linecast::ReactorGroup server(*config);
    gServer = &server;
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    // SIGHUP reloads the TLS files (docs/PROTOCOL.md, "TLS"); it used to
    // end the process, as the default action does.
    action.sa_handler = onReloadSignal;
    ::sigaction(SIGHUP, &action, nullptr);
    int code = server.run();
    gServer = nullptr;
    return code;
  } catch (const std::runtime_error& e) {  // a port in use, a bad --data-dir (StoreError)
    linecast::log(linecast::LogLevel::kError, "cannot start: {}", e.what());
    return 1;
  }
}
