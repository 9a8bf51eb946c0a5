// The line protocol's framing and command split over a realistic mix of
// client lines, as the server runs them: bytes land in a connection's input
// ring, LineParser frames them, parseCommand splits verb and arguments.

#include <benchmark/benchmark.h>

#include <array>
#include <random>
#include <string>
#include <vector>

#include "protocols/line/command.h"
#include "protocols/line/line_parser.h"
#include "net/ring_buffer.h"

namespace linecast {
namespace {

// Mostly publishes with payloads of 16 to 256 bytes, some SUB/UNSUB/PING,
// about 64 KiB in all: one large read's worth.
std::string realisticMix(std::size_t& lines) {
  std::mt19937 rng(7);
  std::string out;
  lines = 0;
  while (out.size() < 64 * 1024) {
    unsigned pick = rng() % 100;
    std::string channel = "room" + std::to_string(rng() % 50) + ".tv.volume";
    if (pick < 80) {
      out += "PUB " + channel + " " + std::string(16 + rng() % 241, 'p') + "\n";
    } else if (pick < 90) {
      out += "SUB " + channel + " room" + std::to_string(rng() % 50) + ".*.volume\n";
    } else if (pick < 95) {
      out += "PING\r\n";
    } else {
      out += "UNSUB " + channel + "\n";
    }
    ++lines;
  }
  return out;
}

// Arg: bytes per read. A TCP segment's worth (1448) makes lines straddle
// reads, which the resumable parser must handle without rescanning.
void BM_LineParser(benchmark::State& state) {
  std::size_t lines = 0;
  const std::string mix = realisticMix(lines);
  const auto readSize = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kMaxLine = 1 << 20;
  std::vector<char> scratch(kMaxLine + 1);
  RingBuffer in;
  LineParser parser(kMaxLine);
  std::size_t parsed = 0;
  for (auto _ : state) {
    for (std::size_t pos = 0; pos < mix.size(); pos += readSize) {
      std::string_view chunk = std::string_view(mix).substr(pos, readSize);
      in.reserve(chunk.size(), 4 * kMaxLine);
      in.append(chunk);
      std::string_view line;
      std::size_t frame = 0;
      while (parser.next(in, scratch, line, frame) == LineParser::Status::kLine) {
        Command cmd = parseCommand(line);
        benchmark::DoNotOptimize(cmd);
        in.consume(frame);
        ++parsed;
      }
    }
  }
  if (parsed != lines * static_cast<std::size_t>(state.iterations()))
    state.SkipWithError("parsed a different number of lines than were written");
  state.SetItemsProcessed(static_cast<std::int64_t>(parsed));
  state.SetBytesProcessed(static_cast<std::int64_t>(mix.size() * state.iterations()));
}
BENCHMARK(BM_LineParser)->Arg(65536)->Arg(1448);

}  // namespace
}  // namespace linecast
