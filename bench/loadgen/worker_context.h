#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/histogram.h"
#include "loadgen/mqtt_protocol.h"
#include "loadgen/options.h"
#include "loadgen/plan.h"
#include "loadgen/protocol.h"
#include "loadgen/run_control.h"
#include "loadgen/target.h"

namespace linecast::bench {

// What a connection needs from its worker: the run's settings (shared,
// read-only) and the worker's own tallies, which only that worker's thread
// touches while it runs, and the runner reads after joining it.
struct WorkerContext {
  WorkerContext(const Options& o, const Plan& p, const Targets& t, RunControl& c,
                const std::vector<std::string>& names, std::uint32_t workerNumber)
      : options(o), plan(p), targets(t), control(c), channelNames(names), number(workerNumber),
        encoder(makeEncoder(o.protocol, o.resp3, o.qos, o.retain)),
        mqtt(dynamic_cast<const MqttEncoder*>(encoder.get())),
        tls(o.tls ? makeClientTlsContext(o.cacert) : nullptr) {}

  const Options& options;
  const Plan& plan;
  const Targets& targets;
  RunControl& control;
  const std::vector<std::string>& channelNames;
  std::uint32_t number;  // of the worker, 0..threads-1: part of MQTT client ids
  std::unique_ptr<Encoder> encoder;
  // --protocol mqtt: the encoder again, for what only MQTT has (client ids,
  // QoS 1's packet ids and PUBACKs); null otherwise.
  const MqttEncoder* mqtt;
  std::shared_ptr<SSL_CTX> tls;  // null: plaintext

  // One read buffer for all of this worker's connections: a read is decoded
  // at once, and only a frame split across reads is copied (by the decoder).
  std::vector<char> readBuffer = std::vector<char>(256 * 1024);

  Histogram latency;  // receive time - intended send time, ns
  Histogram sendLag;  // when a paced message was written - when it was due, ns
  std::uint64_t connected = 0;
  std::uint64_t confirmed = 0;
  std::uint64_t delivered = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t publishersDone = 0;
  std::uint64_t expectedDone = 0;
  std::uint64_t publishersAcked = 0;
  std::uint64_t pubacks = 0;             // MQTT QoS 1: PUBACKs publishers received
  std::uint64_t lastDeliveryNs = 0;
  std::uint64_t lastAckNs = 0;           // when the last end barrier was answered
  std::uint64_t stalledCut = 0;          // stalled subscribers the broker no longer holds
  std::uint64_t stalledQueuedBytes = 0;  // what the broker's kernel still held for them
  std::vector<std::uint64_t> sentPerChannel;  // conns: messages this worker sent to each channel
  std::uint64_t rngState = 1;
};

}  // namespace linecast::bench
