// RetainedStore::forEachMatch, the lookup a SUB makes: 100,000 retained
// channels (a.n<0..9999>.<c0..c9>, 16-byte payloads), and a SUB of `>`
// (all of them), of `a.*.c3` (10,000), of an exact channel (1), and of
// `b.*.c3` (none: a wildcard away from the retained channels costs
// nothing). Each match is copied as its MSG line into a reused buffer, as
// a delivery into an output ring would be.

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "routing/retained_store.h"

namespace linecast {
namespace {

constexpr int kChannels = 100'000;

const RetainedStore& retained100k() {
  static RetainedStore* store = [] {
    auto* s = new RetainedStore(RetainedLimits{kChannels, 256u << 20});
    for (int i = 0; i < kChannels; ++i) {
      s->retain("a.n" + std::to_string(i / 10) + ".c" + std::to_string(i % 10), "payload-16-bytes");
    }
    return s;
  }();
  return *store;
}

void runLookup(benchmark::State& state, std::string_view pattern, std::size_t expect) {
  const RetainedStore& store = retained100k();
  std::vector<std::string_view> patterns = {pattern};
  std::string out;
  std::size_t found = 0;
  for (auto _ : state) {
    out.clear();
    found = store.forEachMatch(patterns, [&](std::string_view channel, std::string_view payload, std::uint8_t) {
      out += "MSG ";
      out += channel;
      out += ' ';
      out += payload;
      out += '\n';
      return true;
    });
    benchmark::DoNotOptimize(out.data());
  }
  if (found != expect) state.SkipWithError("unexpected number of matches");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * found));
  state.counters["matches"] = static_cast<double>(found);
}

void BM_RetainedSubAll100k(benchmark::State& state) { runLookup(state, ">", kChannels); }
BENCHMARK(BM_RetainedSubAll100k)->Unit(benchmark::kMillisecond);

void BM_RetainedSubStar100k(benchmark::State& state) { runLookup(state, "a.*.c3", kChannels / 10); }
BENCHMARK(BM_RetainedSubStar100k)->Unit(benchmark::kMicrosecond);

void BM_RetainedSubExact100k(benchmark::State& state) { runLookup(state, "a.n4242.c3", 1); }
BENCHMARK(BM_RetainedSubExact100k);

void BM_RetainedSubStarMiss100k(benchmark::State& state) { runLookup(state, "b.*.c3", 0); }
BENCHMARK(BM_RetainedSubStarMiss100k);

}  // namespace
}  // namespace linecast
