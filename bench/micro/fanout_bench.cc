// Fan-out: one published message encoded as "MSG <channel> <payload>\n"
// into the output rings of 1,000 subscribed connections, through
// Broker::publish exactly as the server runs it (match + queue). The rings
// are emptied after each publish, as the end of a reactor turn would after
// writing them; that costs a few ns per connection and is included.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "routing/broker.h"
#include "net/connection.h"
#include "metrics.h"

namespace linecast {
namespace {

void BM_FanOut1000(benchmark::State& state) {
  constexpr int kSubscribers = 1000;
  const std::string channel = "news.sport";
  const std::string payload(static_cast<std::size_t>(state.range(0)), 'x');
  Metrics metrics;
  Broker broker(metrics);
  EndOfTurn endOfTurn;
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < kSubscribers; ++i) {
    // fd -1: nothing is written to a socket here; queue() only fills the ring.
    conns.push_back(std::make_unique<Connection>(-1, i, PeerAddress{}, 1 << 20, 1 << 24, endOfTurn, 0.0));
    broker.subscribe(*conns.back(), channel);
  }
  std::size_t delivered = 0;
  for (auto _ : state) {
    delivered = broker.publish(channel, payload);
    for (Connection* c : endOfTurn.flush) {
      c->output().consume(c->output().size());
      c->flushQueued = false;
    }
    endOfTurn.flush.clear();
  }
  if (delivered != kSubscribers) state.SkipWithError("not every subscriber got the message");
  const std::size_t frame = 4 + channel.size() + 1 + payload.size() + 1;
  state.SetItemsProcessed(static_cast<std::int64_t>(kSubscribers * state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(kSubscribers * frame * state.iterations()));
  state.counters["publishes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
// Up to 64 KiB: where a copy per subscriber would start to cost more than
// sharing one encoding (issue 6 asks to decide by measurement; see
// bench/README.md, "Copy or share").
BENCHMARK(BM_FanOut1000)->Arg(16)->Arg(256)->Arg(4096)->Arg(65536);

}  // namespace
}  // namespace linecast
