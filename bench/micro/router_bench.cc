// Router::match, the lookup every publish makes: an exact hit, a miss, and
// an exact hit with 10,000 wildcard subscriptions present (the token tree
// must not make them cost anything when they do not match).

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "routing/router.h"

namespace linecast {
namespace {

struct RouterFixture {
  std::vector<std::unique_ptr<Subscriber>> subs;
  Router router;

  Subscriber* add() {
    subs.push_back(std::make_unique<Subscriber>());
    return subs.back().get();
  }
};

// 10,000 exact subscriptions, one subscriber each: "sensor.<i>.temp".
void addExact(RouterFixture& f) {
  for (int i = 0; i < 10'000; ++i) f.router.subscribe(f.add(), "sensor." + std::to_string(i) + ".temp");
}

// 10,000 wildcard subscriptions over other subtrees and shapes.
void addWildcards(RouterFixture& f) {
  for (int i = 0; i < 10'000; ++i) {
    std::string n = std::to_string(i);
    switch (i % 3) {
      case 0: f.router.subscribe(f.add(), "room" + n + ".*.volume"); break;
      case 1: f.router.subscribe(f.add(), "feed." + n + ".>"); break;
      default: f.router.subscribe(f.add(), "*.ticker" + n); break;
    }
  }
}

void runMatch(benchmark::State& state, RouterFixture& f, const std::string& channel,
              std::size_t expectHits) {
  std::size_t hits = 0;
  for (auto _ : state) {
    hits = f.router.match(channel, [](Subscriber* s) { benchmark::DoNotOptimize(s); });
    benchmark::DoNotOptimize(hits);
  }
  if (hits != expectHits) state.SkipWithError("unexpected number of matches");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(channel.size() * state.iterations()));
}

void BM_RouterExactHit(benchmark::State& state) {
  RouterFixture f;
  addExact(f);
  runMatch(state, f, "sensor.4242.temp", 1);
}
BENCHMARK(BM_RouterExactHit);

void BM_RouterMiss(benchmark::State& state) {
  RouterFixture f;
  addExact(f);
  runMatch(state, f, "sensor.4242.humidity", 0);
}
BENCHMARK(BM_RouterMiss);

void BM_RouterExactHitWith10kWildcards(benchmark::State& state) {
  RouterFixture f;
  addExact(f);
  addWildcards(f);
  runMatch(state, f, "sensor.4242.temp", 1);
}
BENCHMARK(BM_RouterExactHitWith10kWildcards);

void BM_RouterWildcardHitWith10kWildcards(benchmark::State& state) {
  RouterFixture f;
  addExact(f);
  addWildcards(f);
  // room42.*.volume and *.ticker... do not match; only room42.*.volume does.
  runMatch(state, f, "room42.tv.volume", 1);
}
BENCHMARK(BM_RouterWildcardHitWith10kWildcards);

}  // namespace
}  // namespace linecast
