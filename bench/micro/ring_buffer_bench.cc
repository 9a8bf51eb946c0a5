// A connection's output ring as fan-out uses it: frames appended one by one,
// then drained through readableSpans() as writev would, then consumed.

#include <benchmark/benchmark.h>

#include <string>

#include "net/ring_buffer.h"

namespace linecast {
namespace {

// Arg: frame size in bytes. 64 KiB of frames per round.
void BM_RingBufferAppendConsume(benchmark::State& state) {
  const std::string frame(static_cast<std::size_t>(state.range(0)), 'm');
  const std::size_t perRound = std::max<std::size_t>(1, 64 * 1024 / frame.size());
  RingBuffer ring;
  std::size_t sink = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < perRound; ++i) {
      ring.reserve(frame.size(), 1 << 24);
      ring.append(frame);
    }
    // Drain in two halves so head and tail wander around the ring and the
    // spans wrap, as they do under a real writer.
    for (int half = 0; half < 2; ++half) {
      auto spans = ring.readableSpans();
      std::size_t n = std::min(ring.size(), perRound * frame.size() / 2 + 7);
      sink += spans[0].size() + spans[1].size();
      ring.consume(n);
    }
    ring.consume(ring.size());
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(perRound * state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(perRound * frame.size() * state.iterations()));
}
BENCHMARK(BM_RingBufferAppendConsume)->Arg(16)->Arg(64)->Arg(256)->Arg(4096);

}  // namespace
}  // namespace linecast
