#include "util/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

#include "util/ascii.h"

namespace linecast {
namespace {

std::atomic<int> gLevel{static_cast<int>(LogLevel::kInfo)};

constexpr std::string_view kNames[] = {"ERROR", "WARN", "INFO", "DEBUG"};

}  // namespace

void setLogLevel(LogLevel level) { gLevel.store(static_cast<int>(level)); }

bool logEnabled(LogLevel level) { return static_cast<int>(level) <= gLevel.load(std::memory_order_relaxed); }

bool parseLogLevel(std::string_view name, LogLevel& level) {
  for (int i = 0; i < 4; ++i) {
    if (equalsIgnoreCase(name, kNames[i])) {
      level = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

void writeLogLine(LogLevel level, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t seconds = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  fmt::memory_buffer line;
  fmt::format_to(std::back_inserter(line), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}\n",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, millis, kNames[static_cast<int>(level)], message);
  // Best effort: a closed stderr must not stop the broker.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace linecast
