#pragma once

#include <fmt/format.h>

#include <string_view>

namespace linecast {

// Logging to stderr, one line per event, written with a single write(2) so
// lines from a busy server never interleave.
enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void setLogLevel(LogLevel level);
bool logEnabled(LogLevel level);
bool parseLogLevel(std::string_view name, LogLevel& level);
void writeLogLine(LogLevel level, std::string_view message);

template <class... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (!logEnabled(level)) return;
  writeLogLine(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace linecast
