#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "auth/password_hash.h"
#include "commands.h"
#include "exit_codes.h"

namespace linecast::cli {

// Reads a password (one line of standard input; not echoed when that is a
// terminal) and prints the users file's `password = "..."` value for it.
int runPasswd(const PasswdOptions& options) {
  bool terminal = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (terminal) {
    std::fprintf(stderr, "password: ");
    std::fflush(stderr);
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  bool got = static_cast<bool>(std::getline(std::cin, password));
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (!got || password.empty()) {
    printError("passwd: no password on standard input");
    return kExitUsage;
  }
  fmt::print("{}\n", PasswordHash::make(password, options.iterations).text());
  return kExitOk;
}

}  // namespace linecast::cli
