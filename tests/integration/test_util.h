#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace linecast::test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Every wait in these tests is bounded by one of these.
inline constexpr milliseconds kDefaultTimeout{5000};
inline constexpr milliseconds kQuietWindow{200};

// Shows arbitrary bytes readably in assertion messages: printable ASCII as
// is, everything else as \r, \n, \t or \xHH, long strings shortened.
std::string escapeBytes(std::string_view bytes, std::size_t maxShown = 300);

// Milliseconds left until the deadline, 0 when it has passed (for poll()).
int msUntil(Clock::time_point deadline);

// A loopback port that was free a moment ago, below the kernel's ephemeral
// range (for a port the test must know before the server starts).
std::uint16_t freePort();

// A string of n copies of c.
inline std::string repeat(char c, std::size_t n) { return std::string(n, c); }

// A RESP multibulk request of these words.
inline std::string respCommand(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

}  // namespace linecast::test
