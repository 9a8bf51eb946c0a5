#include "loadgen/report.h"

#include <iterator>
#include <thread>

#include <fmt/format.h>

#include "loadgen/progress.h"

namespace linecast::bench {
namespace {

template <class... Args>
void add(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1e3; }

std::string histogramJson(const Histogram& h) {
  return fmt::format(
      R"({{"count":{},"p50":{:.1f},"p90":{:.1f},"p99":{:.1f},"p999":{:.1f},"max":{:.1f},"mean":{:.1f}}})",
      h.count(), us(h.percentile(0.50)), us(h.percentile(0.90)), us(h.percentile(0.99)),
      us(h.percentile(0.999)), us(h.max()), h.mean() / 1e3);
}

template <class T>
std::string optionalJson(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : "null";
}

}  // namespace

std::string jsonEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string reportJson(const Options& o, const Targets& t, const RunResult& r) {
  std::string out;
  add(out, R"({{"ok":{},"error":"{}","protocol":"{}","scenario":"{}","target":"{}",)", r.ok,
      jsonEscape(r.error), protocolLabel(o), scenarioName(o.scenario), jsonEscape(t.text()));
  add(out, R"("publishers":{},"subscribers":{},"stalled":{},"channels":{},"payload_bytes":{},"threads":{},)",
      o.publishers, o.subscribers, o.stalled, o.channels, o.payloadBytes, o.threads);
  add(out, R"("rate":{},"duration_s":{},"messages":{},)",
      o.scenario == Scenario::kLatency ? o.rate : 0.0, o.durationSec, o.messages);
  add(out, R"("connections":{},"connect_s":{:.3f},"settle_s":{:.3f},"publish_s":{:.3f},"delivery_s":{:.3f},"drain_s":{:.3f},"ack_s":{:.3f},)",
      r.connections, r.connectSec, r.settleSec, r.publishSec, r.deliverySec, r.drainSec, r.ackSec);
  add(out, R"("published":{},"published_per_s":{:.0f},"expected":{},"delivered":{},"delivered_per_s":{:.0f},)",
      r.published, r.publishedPerSec(), r.expected, r.delivered, r.deliveredPerSec());
  double payloadMb = static_cast<double>(r.delivered) * static_cast<double>(o.payloadBytes) / 1e6;
  add(out, R"("delivered_mb_per_s":{:.2f},"wire_in_mb_per_s":{:.2f},"lost":{},"unfinished_publishers":{},)",
      r.deliverySec > 0 ? payloadMb / r.deliverySec : 0.0,
      r.deliverySec > 0 ? static_cast<double>(r.bytesIn) / 1e6 / r.deliverySec : 0.0, r.lost,
      r.unfinishedPublishers);
  add(out, R"("stalled_cut":{},"stalled_queued_bytes":{},"qos":{},"pubacks":{},)", r.stalledCut,
      r.stalledQueuedBytes, o.qos, r.pubacks);
  add(out, R"("latency_us":{},"send_lag_us":{},)", histogramJson(r.latency), histogramJson(r.sendLag));
  std::optional<double> perConn;
  if (r.serverRssBeforeKb && r.serverRssAfterKb && r.connections > 0)
    perConn = (static_cast<double>(*r.serverRssAfterKb) - static_cast<double>(*r.serverRssBeforeKb)) *
              1024.0 / static_cast<double>(r.connections);
  add(out, R"("mismatched_subscribers":{},"server":{{"pid":{},"rss_before_kb":{},"rss_after_kb":{},"rss_peak_kb":{},)",
      r.mismatchedSubscribers, o.serverPid, optionalJson(r.serverRssBeforeKb),
      optionalJson(r.serverRssAfterKb), optionalJson(r.serverRssPeakKb));
  auto nanos = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.1f}", *v) : std::string("null");
  };
  add(out, R"("rss_per_conn_bytes":{},"cpu_s":{},"threads":{},)",
      perConn ? fmt::format("{:.0f}", *perConn) : "null",
      r.serverCpuSec ? fmt::format("{:.3f}", *r.serverCpuSec) : "null",
      optionalJson(r.serverThreads));
  add(out, R"("cpu_ns_per_published":{},"cpu_ns_per_delivered":{}}},)",
      nanos(r.serverNsPerPublished()), nanos(r.serverNsPerDelivered()));
  add(out, R"("loadgen":{{"cpu_user_s":{:.3f},"cpu_sys_s":{:.3f},"cpu_s":{:.3f},"threads":{},"fd_limit":{}}},)",
      r.loadgenCpu.userSec, r.loadgenCpu.systemSec, r.loadgenCpu.userSec + r.loadgenCpu.systemSec,
      o.threads, r.fdLimit);
  auto seconds = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.3f}", *v) : std::string("null");
  };
  add(out, R"("machine":{{"cores":{},"busy_cpu_s":{},"steal_cpu_s":{},"other_cpu_s":{}}}}})",
      std::thread::hardware_concurrency(), seconds(r.machineBusySec), seconds(r.machineStealSec),
      seconds(r.otherCpuSec));
  out += '\n';
  return out;
}

std::string reportText(const Options& o, const Targets& t, const RunResult& r) {
  std::string out;
  add(out, "{} {} against {}: {} publishers, {} subscribers, {} channels, {} B payloads, {} threads\n",
      protocolLabel(o), scenarioName(o.scenario), t.text(), o.publishers, o.subscribers,
      o.channels, o.payloadBytes, o.threads);
  if (o.stalled > 0)
    add(out, "  stalled      {} never reading on channel 0: {} cut by the broker, {} KiB still queued for the rest\n",
        o.stalled, r.stalledCut, r.stalledQueuedBytes / 1024);
  add(out, "  connections  {} confirmed in {:.2f} s\n", r.connections, r.connectSec);
  add(out, "  published    {} in {:.2f} s = {}/s{}\n", r.published, r.publishSec,
      shortCount(r.publishedPerSec()),
      r.ackSec > 0 ? fmt::format(", all read by the broker after {:.2f} s", r.ackSec) : "");
  if (o.protocol == Protocol::kMqtt && o.qos == 1)
    add(out, "  QoS 1        {} PUBACKs for {} PUBLISHes, at most {} in flight per publisher\n",
        r.pubacks, r.published, o.inflight);
  add(out, "  delivered    {} of {} owed in {:.2f} s = {}/s, {:.1f} MB/s of payload; lost {}\n",
      r.delivered, r.expected, r.deliverySec, shortCount(r.deliveredPerSec()),
      r.deliverySec > 0 ? static_cast<double>(r.delivered * o.payloadBytes) / 1e6 / r.deliverySec : 0,
      r.lost);
  if (r.latency.count() > 0) {
    const Histogram& h = r.latency;
    add(out, "  latency us   p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}\n",
        us(h.percentile(0.5)), us(h.percentile(0.9)), us(h.percentile(0.99)),
        us(h.percentile(0.999)), us(h.max()));
    add(out, "  send lag us  p99 {:.1f}  max {:.1f} (the loadgen's own lateness, included above)\n",
        us(r.sendLag.percentile(0.99)), us(r.sendLag.max()));
  }
  if (o.scenario == Scenario::kConns && r.serverRssBeforeKb && r.serverRssAfterKb &&
      r.connections > 0) {
    double per = (static_cast<double>(*r.serverRssAfterKb) - static_cast<double>(*r.serverRssBeforeKb)) *
                 1024.0 / static_cast<double>(r.connections);
    add(out, "  server rss   {} KiB -> {} KiB = {:.0f} B per connection\n", *r.serverRssBeforeKb,
        *r.serverRssAfterKb, per);
  }
  if (r.serverRssPeakKb && o.scenario != Scenario::kConns)
    add(out, "  server rss   {} KiB at most while publishing and draining\n", *r.serverRssPeakKb);
  if (r.serverCpuSec) {
    add(out, "  server cpu   {:.2f} s, {} threads", *r.serverCpuSec, optionalJson(r.serverThreads));
    if (auto ns = r.serverNsPerPublished()) add(out, "; {:.0f} ns per published", *ns);
    if (auto ns = r.serverNsPerDelivered()) add(out, ", {:.0f} ns per delivered", *ns);
    out += '\n';
  }
  add(out, "  loadgen cpu  {:.2f} s user + {:.2f} s system\n", r.loadgenCpu.userSec, r.loadgenCpu.systemSec);
  if (r.otherCpuSec)
    add(out, "  others cpu   {:.2f} s used by other processes on this machine during the run\n",
        *r.otherCpuSec);
  add(out, "  result       {}\n", r.ok ? "ok" : "FAILED: " + r.error);
  return out;
}

}  // namespace linecast::bench
