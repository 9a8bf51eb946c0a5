#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "loadgen/histogram.h"
#include "loadgen/proc_stats.h"

namespace linecast::bench {

// Everything a run measured, gathered by the runner after its workers have
// stopped, for the report.
struct RunResult {
  bool ok = true;
  std::string error;

  std::uint64_t connections = 0;
  double connectSec = 0;   // until every connection had answered its barrier
  double settleSec = 0;    // then waited (--settle) before publishing
  double publishSec = 0;   // clock start until publishing stopped
  double deliverySec = 0;  // clock start until the last delivery
  double drainSec = 0;     // publishing stopped until the drain ended
  // Clock start until every publisher's end barrier was answered, i.e. the
  // broker had read everything; 0 if one was not answered within the drain.
  double ackSec = 0;

  std::uint64_t published = 0;
  std::uint64_t expected = 0;  // deliveries owed for what was published
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;
  std::uint64_t bytesIn = 0;
  std::uint64_t unfinishedPublishers = 0;
  std::uint64_t ackedPublishers = 0;
  std::uint64_t pubacks = 0;  // MQTT QoS 1: PUBLISHes the broker acknowledged

  // --stalled: stallers whose broker-side socket was gone or closing at the
  // end (cut as slow consumers), and what the broker's kernel still queued
  // for those it kept.
  std::uint64_t stalledCut = 0;
  std::uint64_t stalledQueuedBytes = 0;

  Histogram latency;  // ns
  Histogram sendLag;  // ns

  // conns: subscribers that did not get exactly the messages sent to them.
  std::uint64_t mismatchedSubscribers = 0;

  std::optional<std::uint64_t> serverRssBeforeKb;
  std::optional<std::uint64_t> serverRssAfterKb;  // once all connections were confirmed
  std::optional<std::uint64_t> serverRssPeakKb;   // the most seen while publishing and draining
  std::optional<double> serverCpuSec;             // during this run
  std::optional<std::uint32_t> serverThreads;

  CpuTimes loadgenCpu;                    // whole process
  std::optional<double> machineBusySec;   // all cores, during this run
  std::optional<double> machineStealSec;
  std::optional<double> otherCpuSec;      // busy minus loadgen and broker: other processes
  std::uint64_t fdLimit = 0;

  double publishedPerSec() const { return publishSec > 0 ? published / publishSec : 0; }
  double deliveredPerSec() const { return deliverySec > 0 ? delivered / deliverySec : 0; }
  // The broker's CPU per message it read (-s 0: the cost of publishing to
  // nobody) and per message it delivered.
  std::optional<double> serverNsPerPublished() const {
    if (!serverCpuSec || published == 0) return std::nullopt;
    return *serverCpuSec * 1e9 / static_cast<double>(published);
  }
  std::optional<double> serverNsPerDelivered() const {
    if (!serverCpuSec || delivered == 0) return std::nullopt;
    return *serverCpuSec * 1e9 / static_cast<double>(delivered);
  }
};

}  // namespace linecast::bench
