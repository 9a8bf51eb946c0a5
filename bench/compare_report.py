#!/usr/bin/python3
"""Renders bench/compare's raw results: a markdown report on stdout and a PNG
chart. Run with Debian's /usr/bin/python3, whose matplotlib is the Debian
package; without matplotlib it falls back to gnuplot, and without either it
only prints the tables.

usage: compare_report.py RESULTS_JSON CHART_PNG
"""

import json
import shutil
import subprocess
import sys

# linecast-uring (linecast-server --io uring) appears only when it was run.
ALL_BROKERS = ["linecast", "linecast-uring", "linecast-plain", "linecast-resp", "linecast-resp3", "linecast-ws",
               "linecast-mqtt", "linecast-backplane", "linecast-cluster", "nats", "nats-ws", "nats-cluster", "redis",
               "redis-resp3", "mosquitto"]
PEERS = ["nats", "redis"]
# linecast-null-relay, the ceiling: run on the message-moving cases only.
RELAY = "relay"
# The cases the report pairs up (bench/compare's names): publishing to
# nobody against a 1->1 delivery, and the fan-out with a stalled subscriber
# against the same without one.
NOSUB_CASE, NOSUB_BASE = "n-pub-16", "t-1to1-16"
STALLED_CASE, STALLED_BASE = "s-1to10-16", "t-1to10-16"
# Issue 6's target for the healthy subscribers' drop.
STALL_TARGET_PCT = 5


# Column keys for the compact per-broker cells.
INITIALS = {"linecast": "l", "linecast-uring": "lu", "linecast-plain": "lp", "linecast-resp": "lr",
            "linecast-resp3": "lr3", "linecast-ws": "lw", "nats": "n", "nats-ws": "nw", "redis": "r",
            "redis-resp3": "r3", "linecast-mqtt": "lm", "mosquitto": "m", "linecast-backplane": "lb",
            "linecast-cluster": "lc", "nats-cluster": "nc", RELAY: RELAY}
# Issue 13's targets for linecast over WebSocket: delivered msgs/s against
# nats-server's WebSocket and against linecast's own TCP, on these cases;
# broker memory per idle WebSocket subscriber.
WS_CASES = ("t-1to1-16", "t-1to10-16", "t-1to100-64")
WS_TARGET_VS_NATS = 2.0
WS_TARGET_VS_TCP = 0.70
WS_TARGET_IDLE_BYTES = 2.5 * 1024
# The MQTT issue's targets: linecast-mqtt's delivered msgs/s against
# Mosquitto's on these cases (QoS 1's are bench/compare's -q1 cases), and
# linecast-mqtt's broker RSS per idle MQTT connection at most this share of
# Mosquitto's.
MQTT_TARGETS = {"t-1to1-16": 3.0, "t-1to10-16": 3.0, "t-1to100-64": 3.0, "t-1to1-16-q1": 2.0}
MQTT_TARGET_IDLE_SHARE = 0.5
# Issue 15's targets: cross-node delivered msgs/s of linecast-cluster at least
# nats-cluster's on these cases, and local delivery on a node with the
# backplane on (linecast-backplane) at least this share of plain linecast.
CLUSTER_CASES = ("t-1to1-16", "t-1to10-16")
CLUSTER_TARGET_VS_NATS = 1.0
BACKPLANE_TARGET_VS_SINGLE = 0.90


def brokers_in(data):
    present = {run["broker"] for run in data["runs"]}
    return [b for b in ALL_BROKERS if b in present]


def load(path):
    with open(path) as f:
        return json.load(f)


def runs_by_case(data):
    cases = {}
    for run in data["runs"]:
        cases.setdefault(run["case"], {"label": run["label"], "kind": run["kind"], "by": {}})
        cases[run["case"]]["by"][run["broker"]] = run["result"]
    return cases


def short(value):
    if value is None:
        return "-"
    if value >= 1e6:
        return f"{value / 1e6:.2f}M"
    if value >= 1e4:
        return f"{value / 1e3:.1f}k"
    return f"{value:.0f}"


def ratio(a, b):
    if not a or not b:
        return "-"
    return f"{a / b:.2f}x"


def ok(result):
    return result is not None and result.get("ok")


def wall(result):
    return result.get("connect_s", 0) + result.get("publish_s", 0) + result.get("drain_s", 0)


def cpu_cell(result):
    """'loadgen / broker / others CPU s of wall s' and which side ran out of CPU."""
    if result is None or "loadgen" not in result:
        return "-"
    w = wall(result)
    lg = result["loadgen"]["cpu_s"]
    br = result["server"]["cpu_s"] or 0.0
    other = (result.get("machine") or {}).get("other_cpu_s")
    others = f" / {other:.1f}" if other is not None else ""
    if w <= 0:
        return f"{lg:.1f} / {br:.1f}{others}"
    lg_u, br_u = lg / w, br / w
    lg_threads = result["loadgen"]["threads"]
    # A side that keeps a core busy per thread (the loadgen) or at least one
    # core (the broker: linecast's reactor and Redis's main thread are
    # single-threaded) is at its limit; so is the machine when the two
    # together fill its 2 cores.
    lg_full = lg_u >= 0.85 * lg_threads
    br_full = br_u >= 0.85
    side = {(True, True): "both", (True, False): "loadgen",
            (False, True): "broker", (False, False): "neither"}[(lg_full, br_full)]
    if lg_u + br_u >= 1.7:
        side += ", 2 cores full"
    # Other processes on a shared machine take CPU from both sides: then the
    # numbers say less about the brokers.
    if other is not None and other / w >= 0.3:
        side += f", others took {other / w:.1f} cores"
    return f"{lg:.1f} / {br:.1f}{others} of {w:.1f} s: {side}"


def cpu_pct(result):
    """(loadgen, broker) CPU as % of one core over the run's wall time."""
    if result is None or "loadgen" not in result:
        return None, None
    w = wall(result)
    if w <= 0:
        return None, None
    br = (result.get("server") or {}).get("cpu_s")
    return 100 * result["loadgen"]["cpu_s"] / w, (100 * br / w if br is not None else None)


def pct_text(value):
    return "-" if value is None else f"{value:.0f}"


def cpu_pct_cell(result):
    """'loadgen/broker' CPU % of a core, e.g. '98/100'."""
    lg, br = cpu_pct(result)
    return "-" if lg is None else f"{pct_text(lg)}/{pct_text(br)}"


def value_cell(result, key):
    if result is None:
        return "-"
    if not result.get("ok"):
        return "FAIL"
    return short(result.get(key))


def report(data):
    meta = data["meta"]
    cases = runs_by_case(data)
    brokers = brokers_in(data)
    out = []
    out.append(f"## {' vs '.join(brokers)} ({meta['mode']} run, {meta['date']})")
    out.append("")
    if meta.get("tls"):
        out.append("Every broker behind TLS (a P-256 certificate; linecast --tls-cert, nats-server tls {}, "
                   "redis-server --tls-port), the loadgen verifying it. linecast-plain is the same "
                   "linecast-server without TLS: the linecast/linecast-plain column is TLS's cost.")
        out.append("")
    server_name = {"linecast-uring": "linecast-server --io uring"}
    threads = ", ".join(f"{server_name.get(b, b + '-server')} {meta['threads'].get(b, '?')}"
                        for b in brokers if b in meta["threads"])
    out.append(f"Machine: {meta['cores']} cores, shared by broker and loadgen. Threads: {threads}, "
               f"linecast-bench {meta['loadgen_threads']}. Brokers: {meta['versions']}.")
    if "loadavg_start" in meta:
        out.append("")
        out.append(f"Load average (1, 5, 15 min) at the start: {meta['loadavg_start']}; at the end: "
                   f"{meta['loadavg_end']}; it includes this comparison's own processes.")
    out.append("")

    out.append("### Throughput: delivered msgs/s (higher is better)")
    out.append("")
    has_relay = any(run["broker"] == RELAY for run in data["runs"])
    if has_relay:
        out.append("The relay column is the ceiling: linecast-null-relay (bench/null_relay/) only splits lines, "
                   "rewrites PUB to MSG and appends to exact-channel subscribers. Issue 6 asks for linecast/relay "
                   "of at least 0.70.")
        out.append("")
    cols = brokers + ([RELAY] if has_relay else [])
    initials = "/".join(INITIALS[b] for b in cols)
    out.append("The CPU column is loadgen/broker CPU in % of one core over the run, per broker in the "
               f"order {initials}: a loadgen near 100% per thread was the limit, not the broker.")
    out.append("")
    has_plain = "linecast-plain" in cols
    out.append("| case | " + " | ".join(cols) + " | linecast/nats | linecast/redis"
               + (" | linecast/relay" if has_relay else "")
               + (" | linecast/linecast-plain" if has_plain else "") + f" | lost ({initials}) | CPU % ({initials}) |")
    out.append("|---|" + "---:|" * (len(cols) + 2 + has_relay + has_plain) + "---|---|")
    for case in cases.values():
        if case["kind"] != "throughput":
            continue
        by = case["by"]
        rate = {b: (by[b]["delivered_per_s"] if ok(by.get(b)) else None) for b in cols}
        rate = {b: rate.get(b) for b in ALL_BROKERS + [RELAY]}
        lost = "/".join(str(by[b].get("lost", "-")) if by.get(b) else "-" for b in cols)
        cpu = " ".join(cpu_pct_cell(by.get(b)) for b in cols)
        relay_ratio = f" | {ratio(rate['linecast'], rate[RELAY])}" if has_relay else ""
        if has_plain:
            relay_ratio += f" | {ratio(rate['linecast'], rate['linecast-plain'])}"
        out.append(f"| {case['label']} | " + " | ".join(value_cell(by.get(b), "delivered_per_s") for b in cols)
                   + f" | {ratio(rate['linecast'], rate['nats'])} | {ratio(rate['linecast'], rate['redis'])}"
                   + f"{relay_ratio} | {lost} | {cpu} |")
    out.append("")

    out.append("### Latency in us from the intended send time (lower is better)")
    out.append("")
    out.append("Send lag is how late the loadgen itself wrote each message (part of its latency). One stall of "
               "the loadgen's thread (descheduled on a busy machine) delays every message due during it, so "
               "p99.9 over a few seconds is set by the run's single worst stall: when send lag p99.9 is of the "
               "order of p99.9, the tail is the machine's, whatever the broker.")
    out.append("")
    out.append("| case | broker | p50 | p90 | p99 | p99.9 | max | send lag p99 | send lag p99.9 "
               "| linecast p99 / this p99 | loadgen CPU % | broker CPU % |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case in cases.values():
        if case["kind"] != "latency":
            continue
        by = case["by"]
        lc = by.get("linecast")
        for b in brokers:
            r = by.get(b)
            if r is None:
                continue
            if not r["ok"]:
                out.append(f"| {case['label']} | {b} | FAIL | | | | | | | | | |")
                continue
            l = r["latency_us"]
            rel = ratio(lc["latency_us"]["p99"], l["p99"]) if ok(lc) and b != "linecast" else ""
            lg, br = cpu_pct(r)
            out.append(f"| {case['label']} | {b} | {l['p50']:.0f} | {l['p90']:.0f} | {l['p99']:.0f} | "
                       f"{l['p999']:.0f} | {l['max']:.0f} | {r['send_lag_us']['p99']:.0f} | "
                       f"{r['send_lag_us']['p999']:.0f} | {rel} | "
                       f"{pct_text(lg)} | {pct_text(br)} |")
    out.append("")

    out.extend(resp_section(cases, brokers))
    out.extend(ws_section(cases, brokers))
    out.extend(mqtt_section(cases, brokers))
    out.extend(cluster_section(data, brokers))
    out.extend(broadcast_section(cases, brokers))
    out.extend(nosub_section(cases, brokers + ([RELAY] if has_relay else [])))
    out.extend(stalled_section(cases, brokers + ([RELAY] if has_relay else [])))

    out.append("### Connections: broker memory per idle subscriber (lower is better)")
    out.append("")
    out.append("| case | linecast | nats | redis | nats/linecast | redis/linecast | every message reached exactly its subscriber "
               "| new connections/s (" + "/".join(INITIALS[b] for b in brokers) + ") |")
    out.append("|---|---:|---:|---:|---:|---:|---|---|")
    for case in cases.values():
        if case["kind"] != "conns":
            continue
        by = case["by"]
        per = {b: (by[b]["server"]["rss_per_conn_bytes"] if ok(by.get(b)) else None) for b in ALL_BROKERS}
        cells = [f"{per[b]:.0f} B" if per[b] is not None else ("FAIL" if by.get(b) else "-")
                 for b in ("linecast", "nats", "redis")]
        verdict = ", ".join(f"{b} {'yes' if ok(by.get(b)) else 'NO'}" for b in brokers if by.get(b))
        if "linecast-uring" in per and per["linecast-uring"] is not None:
            verdict += f"; linecast-uring {per['linecast-uring']:.0f} B"
        rates = "/".join(f"{by[b]['connections'] / max(by[b]['connect_s'], 1e-9):.0f}" if ok(by.get(b)) else "-"
                         for b in brokers)
        out.append(f"| {case['label']} | " + " | ".join(cells)
                   + f" | {ratio(per['nats'], per['linecast'])} | {ratio(per['redis'], per['linecast'])} | {verdict} "
                   + f"| {rates} |")
    out.append("")

    out.append("### CPU seconds per case: loadgen / broker / other processes, of the run's wall time, and the side that ran out")
    out.append("")
    out.append("| case | " + " | ".join(cols) + " |")
    out.append("|---|" + "---|" * len(cols))
    for case in cases.values():
        by = case["by"]
        out.append(f"| {case['label']} | " + " | ".join(cpu_cell(by.get(b)) for b in cols) + " |")
    out.append("")
    failures = [(run["case"], run["broker"], run["result"].get("error", ""))
                for run in data["runs"] if not run["result"].get("ok")]
    # Every broker run is given --server-pid; a run without the broker's CPU
    # cannot be checked for who ran out of CPU.
    blind = [(run["case"], run["broker"]) for run in data["runs"]
             if run["result"].get("ok") and (run["result"].get("server") or {}).get("cpu_s") is None]
    if blind:
        out.append("Runs without the broker's CPU time (no --server-pid): "
                   + ", ".join(f"{c} on {b}" for c, b in blind))
        out.append("")
    if failures:
        out.append("Failed runs:")
        for case, broker, error in failures:
            out.append(f"- {case} on {broker}: {error}")
        out.append("")
    return "\n".join(out)


def paired(case, base, brokers, columns):
    """(broker, result, base result) for each broker that ran `case`; a
    failed run becomes a FAIL row (in `rows`) with `columns` cells."""
    rows, pairs = [], []
    for b in brokers:
        r = case["by"].get(b)
        if r is None:
            continue
        if not ok(r):
            rows.append(f"| {b} | FAIL: {r.get('error', '')} |" + " |" * (columns - 1))
            continue
        pairs.append((b, r, base["by"].get(b) if base else None))
    return rows, pairs


def nosub_section(cases, brokers):
    """Broker CPU per message published to nobody, next to per delivery."""
    nosub, base = cases.get(NOSUB_CASE), cases.get(NOSUB_BASE)
    if nosub is None:
        return []
    out = ["### Publishing to a channel with no subscribers: broker CPU per message (lower is better)", "",
           f"Broker CPU time over messages published in \"{nosub['label']}\", next to broker CPU time over "
           f"messages delivered in \"{base['label'] if base else NOSUB_BASE}\" (each of those was also "
           "published and read). Issue 6 wants the first well under the second. The publisher counts as "
           "read by the broker when its final PING is answered; Redis also answers every PUBLISH (\":0\").",
           "",
           "| broker | ns per published, no subscribers | ns per delivered, 1->1 | ratio | "
           "published msgs/s, no subscribers | CPU % loadgen/broker |",
           "|---|---:|---:|---:|---:|---|"]
    failed, pairs = paired(nosub, base, brokers, 5)
    for b, r, rb in pairs:
        pub = r["server"].get("cpu_ns_per_published")
        dlv = rb["server"].get("cpu_ns_per_delivered") if ok(rb) else None
        out.append(f"| {b} | {'-' if pub is None else f'{pub:.0f}'} | {'-' if dlv is None else f'{dlv:.0f}'} | "
                   f"{ratio(pub, dlv)} | {short(r['published_per_s'])} | {cpu_pct_cell(r)} |")
    out.extend(failed)
    out.append("")
    return out


def stalled_section(cases, brokers):
    """The healthy subscribers' delivered rate with one stalled subscriber."""
    stalled, base = cases.get(STALLED_CASE), cases.get(STALLED_BASE)
    if stalled is None:
        return []
    out = ["### One stalled subscriber: the healthy subscribers' delivered rate", "",
           f"\"{stalled['label']}\" against \"{base['label'] if base else STALLED_BASE}\": the stalled "
           "subscriber confirms its subscription, then never reads (4 KiB receive buffer); it is not counted. "
           f"Issue 6 wants linecast's drop under {STALL_TARGET_PCT}%. \"cut\": the broker had closed the "
           "stalled connection by the end of the run (its socket had left ESTABLISHED); \"queued\": what the "
           "broker's kernel still held for it.",
           "",
           "| broker | delivered/s without | with 1 stalled | drop | cut | queued | lost | CPU % loadgen/broker |",
           "|---|---:|---:|---:|---|---:|---:|---|"]
    failed, pairs = paired(stalled, base, brokers, 7)
    for b, r, rb in pairs:
        without = rb["delivered_per_s"] if ok(rb) else None
        drop = f"{100 * (1 - r['delivered_per_s'] / without):.1f}%" if without else "-"
        cut = "yes" if r.get("stalled_cut") else "no"
        out.append(f"| {b} | {short(without)} | {short(r['delivered_per_s'])} | {drop} | {cut} | "
                   f"{r.get('stalled_queued_bytes', 0) / 1024:.0f} KiB | {r['lost']} | {cpu_pct_cell(r)} |")
    out.extend(failed)
    out.append("")
    return out


def resp_section(cases, brokers):
    """linecast to Redis clients, RESP2 against RESP3, and against redis-server."""
    if "linecast-resp" not in brokers and "linecast-resp3" not in brokers:
        return []
    out = ["### Redis clients: RESP2 and RESP3 subscribers (higher is better)", "",
           "linecast-resp and linecast-resp3 are linecast-server driven over RESP (`linecast-bench --protocol resp`, "
           "with `--resp3`: HELLO 3 first, messages as push frames); redis and redis-resp3 the same loads on "
           "redis-server. Issue 16 asks RESP3 >= RESP2 and both >= 2x redis-server on 1->1 16 B and 1->100 64 B.",
           "", "| case | linecast-resp | linecast-resp3 | redis | redis-resp3 | resp3/resp2 | resp2/redis "
           "| resp3/redis-resp3 |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for case in cases.values():
        if case["kind"] != "throughput":
            continue
        by = case["by"]
        rate = {b: (by[b]["delivered_per_s"] if ok(by.get(b)) else None)
                for b in ("linecast-resp", "linecast-resp3", "redis", "redis-resp3")}
        out.append(f"| {case['label']} | "
                   + " | ".join(value_cell(by.get(b), "delivered_per_s") for b in rate)
                   + f" | {ratio(rate['linecast-resp3'], rate['linecast-resp'])}"
                   + f" | {ratio(rate['linecast-resp'], rate['redis'])}"
                   + f" | {ratio(rate['linecast-resp3'], rate['redis-resp3'])} |")
    out.append("")
    return out


def throughput_cells(by, names):
    """A side-by-side table's per-broker parts of one throughput case: the
    rates (None unless ok), the "lost" cell and the "CPU %" cell."""
    rate = {b: (by[b]["delivered_per_s"] if ok(by.get(b)) else None) for b in names}
    lost = "/".join(str(by[b].get("lost", "-")) if by.get(b) else "-" for b in names)
    cpu = " ".join(cpu_pct_cell(by.get(b)) for b in names)
    return rate, lost, cpu


def idle_rss_cells(by, names):
    """The broker RSS per idle connection of a conns case (None unless ok),
    and its cells."""
    per = {b: (by[b]["server"]["rss_per_conn_bytes"] if ok(by.get(b)) else None) for b in names}
    cells = [f"{per[b]:.0f} B" if per[b] is not None else ("FAIL" if by.get(b) else "-") for b in names]
    return per, cells


def ws_section(cases, brokers):
    """linecast over WebSocket against nats-server's WebSocket and linecast's TCP."""
    if "linecast-ws" not in brokers and "nats-ws" not in brokers:
        return []
    out = ["### WebSocket: delivered msgs/s and memory per idle connection", "",
           "linecast-ws is linecast-server's /ws on its HTTP port (`linecast-bench --protocol ws`: a publisher "
           "sends each batch of PUB lines as one masked text message, every delivery is one text message); "
           "nats-ws is nats-server's `websocket {}` listener (`--protocol nats-ws`, NATS's byte stream in binary "
           "frames); linecast is the same loads over plain TCP. Issue 13 asks linecast-ws at least "
           f"{WS_TARGET_VS_NATS:g}x nats-ws and at least {WS_TARGET_VS_TCP:.0%} of linecast TCP on "
           + ", ".join(WS_CASES) + f", and at most {WS_TARGET_IDLE_BYTES / 1024:g} KiB of broker RSS per idle "
           "WebSocket subscriber.", "",
           "| case | linecast-ws | nats-ws | linecast | ws/nats-ws | ws/linecast TCP | target met | lost (lw/nw/l) "
           "| CPU % (lw/nw/l) |",
           "|---|---:|---:|---:|---:|---:|---|---|---|"]
    trio = ("linecast-ws", "nats-ws", "linecast")
    for name, case in cases.items():
        if case["kind"] != "throughput":
            continue
        by = case["by"]
        rate, lost, cpu = throughput_cells(by, trio)
        met = "-"
        if name in WS_CASES and rate["linecast-ws"] and rate["nats-ws"] and rate["linecast"]:
            good = (rate["linecast-ws"] >= WS_TARGET_VS_NATS * rate["nats-ws"]
                    and rate["linecast-ws"] >= WS_TARGET_VS_TCP * rate["linecast"])
            met = "yes" if good else "NO"
        out.append(f"| {case['label']} | " + " | ".join(value_cell(by.get(b), "delivered_per_s") for b in trio)
                   + f" | {ratio(rate['linecast-ws'], rate['nats-ws'])} | {ratio(rate['linecast-ws'], rate['linecast'])}"
                   + f" | {met} | {lost} | {cpu} |")
    for case in cases.values():
        if case["kind"] != "conns":
            continue
        per, cells = idle_rss_cells(case["by"], trio)
        met = "-"
        if per["linecast-ws"] is not None:
            met = "yes" if per["linecast-ws"] <= WS_TARGET_IDLE_BYTES else "NO"
        out.append(f"| {case['label']}: RSS per connection (lower is better) | " + " | ".join(cells)
                   + f" | {ratio(per['nats-ws'], per['linecast-ws'])} (nats-ws/ws) "
                   + f"| {ratio(per['linecast-ws'], per['linecast'])} | {met} | | |")
    out.append("")
    return out


def mqtt_section(cases, brokers):
    """linecast-server's MQTT port against Mosquitto, at QoS 0 and 1."""
    if "linecast-mqtt" not in brokers and "mosquitto" not in brokers:
        return []
    out = ["### MQTT: delivered msgs/s and memory per idle connection", "",
           "Both driven by `linecast-bench --protocol mqtt` (MQTT 3.1.1, clean sessions, QoS 0 unless the case "
           "says QoS 1: `--qos 1`, SUBSCRIBE and PUBLISH at QoS 1, every delivery PUBACKed by the subscriber, "
           "publishers with up to `--inflight` PUBLISHes unacknowledged). linecast-mqtt is linecast-server's "
           "`--mqtt-port`; mosquitto is Debian's Mosquitto with bench/README's settings. Targets: QoS 0 at least "
           f"{MQTT_TARGETS['t-1to1-16']:g}x Mosquitto on 1->1 16 B, 1->10 16 B and 1->100 64 B; QoS 1 1->1 at "
           f"least {MQTT_TARGETS['t-1to1-16-q1']:g}x; RSS per idle MQTT connection at most "
           f"{MQTT_TARGET_IDLE_SHARE:.0%} of Mosquitto's.", "",
           "| case | linecast-mqtt | mosquitto | linecast-mqtt/mosquitto | target | target met "
           "| lost (lm/m) | CPU % (lm/m) |",
           "|---|---:|---:|---:|---:|---|---|---|"]
    pair = ("linecast-mqtt", "mosquitto")
    for name, case in cases.items():
        if case["kind"] != "throughput" or not any(case["by"].get(b) for b in pair):
            continue
        by = case["by"]
        rate, lost, cpu = throughput_cells(by, pair)
        target = MQTT_TARGETS.get(name)
        met = "-"
        if target and rate["linecast-mqtt"] and rate["mosquitto"]:
            met = "yes" if rate["linecast-mqtt"] >= target * rate["mosquitto"] else "NO"
        out.append(f"| {case['label']} | " + " | ".join(value_cell(by.get(b), "delivered_per_s") for b in pair)
                   + f" | {ratio(rate['linecast-mqtt'], rate['mosquitto'])} | "
                   + (f">= {target:g}x" if target else "") + f" | {met} | {lost} | {cpu} |")
    for case in cases.values():
        if case["kind"] != "conns":
            continue
        per, cells = idle_rss_cells(case["by"], pair)
        met = "-"
        if per["linecast-mqtt"] is not None and per["mosquitto"]:
            met = "yes" if per["linecast-mqtt"] <= MQTT_TARGET_IDLE_SHARE * per["mosquitto"] else "NO"
        out.append(f"| {case['label']}: RSS per connection (lower is better) | " + " | ".join(cells)
                   + f" | {ratio(per['linecast-mqtt'], per['mosquitto'])} | <= {MQTT_TARGET_IDLE_SHARE:g}x "
                   + f"| {met} | | |")
    out.append("")
    return out


def cluster_share(run, process):
    """CPU of one of a cluster's processes in % of one core over the time
    messages moved (publish and drain; the CPU of the whole run, connecting
    and settling included, which cost little): node "a" is the one the
    loadgen measured (--server-pid), the others bench/compare read from /proc."""
    r = run["result"]
    w = r.get("publish_s", 0) + r.get("drain_s", 0)
    cpu = (r.get("server") or {}).get("cpu_s") if process == "a" else run.get("cluster_cpu_s", {}).get(process)
    return None if cpu is None or w <= 0 else 100 * cpu / w


def cluster_section(data, brokers):
    """Issue 15: three linecast nodes and one Redis against a three-node NATS
    cluster, publisher on node A, subscribers on B and C; and local delivery
    with the backplane on against a single node."""
    if not {"linecast-cluster", "nats-cluster", "linecast-backplane"} & set(brokers):
        return []
    runs = {(run["case"], run["broker"]): run for run in data["runs"]}
    cases = runs_by_case(data)
    out = ["### Cluster: across nodes, and local delivery with the backplane on", "",
           "linecast-cluster: three linecast-server nodes with `--cluster` on one redis-server, the publisher "
           "on node A, the subscribers on nodes B and C (subscriber s on B when s is even, on C when odd); "
           "nats-cluster: three nats-servers routed to each other on loopback, the same spread. "
           "linecast-backplane: the same three nodes and Redis with publisher and subscribers all on node A. "
           f"Issue 15 wants linecast-cluster >= {CLUSTER_TARGET_VS_NATS:g}x nats-cluster on "
           + ", ".join(CLUSTER_CASES) + f", and linecast-backplane >= {BACKPLANE_TARGET_VS_SINGLE:.0%} of "
           "linecast. CPU is in % of one core over the time messages moved (publishing and drain; the CPU counted is the whole run's, its connections and 1 s settle included); \"Redis ns "
           "per msg\" is Redis's CPU time over the messages published.", "",
           "| case | linecast-cluster | nats-cluster | cluster/nats | target met | Redis CPU % | "
           "Redis ns per msg | CPU % nodes A/B/C (lc) | CPU % nodes A/B/C (nc) | lost (lc/nc) |",
           "|---|---:|---:|---:|---|---:|---:|---|---|---|"]

    def rate(case, broker):
        r = case["by"].get(broker)
        return r["delivered_per_s"] if ok(r) else None

    def shares(case_name, broker, processes):
        run = runs.get((case_name, broker))
        if run is None:
            return "-"
        return "/".join(pct_text(cluster_share(run, p)) for p in processes)

    def redis_cells(case_name, broker):
        run = runs.get((case_name, broker))
        if run is None or "redis" not in run.get("cluster_cpu_s", {}):
            return "-", "-"
        published = run["result"].get("published") or 0
        ns = f"{1e9 * run['cluster_cpu_s']['redis'] / published:.0f}" if published else "-"
        return pct_text(cluster_share(run, "redis")), ns

    def lost(case, names):
        return "/".join(str(case["by"][b].get("lost", "-")) if case["by"].get(b) else "-" for b in names)

    for name, case in cases.items():
        if case["kind"] != "throughput" or not any(case["by"].get(b) for b in ("linecast-cluster", "nats-cluster")):
            continue
        lc, nc = rate(case, "linecast-cluster"), rate(case, "nats-cluster")
        met = "-"
        if name in CLUSTER_CASES and lc and nc:
            met = "yes" if lc >= CLUSTER_TARGET_VS_NATS * nc else "NO"
        redis_pct, redis_ns = redis_cells(name, "linecast-cluster")
        out.append(f"| {case['label']} | {value_cell(case['by'].get('linecast-cluster'), 'delivered_per_s')} | "
                   f"{value_cell(case['by'].get('nats-cluster'), 'delivered_per_s')} | {ratio(lc, nc)} | {met} | "
                   f"{redis_pct} | {redis_ns} | {shares(name, 'linecast-cluster', 'abc')} | "
                   f"{shares(name, 'nats-cluster', 'abc')} | {lost(case, ('linecast-cluster', 'nats-cluster'))} |")
    out.append("")
    if "linecast-backplane" not in brokers:
        return out
    out += ["| case, all on one node | linecast | linecast-backplane | backplane/single | target met | Redis CPU % | "
            "Redis ns per msg | CPU % node A (l/lb) | lost (l/lb) |",
            "|---|---:|---:|---:|---|---:|---:|---|---|"]
    for name, case in cases.items():
        if case["kind"] != "throughput" or not case["by"].get("linecast-backplane"):
            continue
        single, backplane = rate(case, "linecast"), rate(case, "linecast-backplane")
        met = "-"
        if single and backplane:
            met = "yes" if backplane >= BACKPLANE_TARGET_VS_SINGLE * single else "NO"
        redis_pct, redis_ns = redis_cells(name, "linecast-backplane")
        _, single_cpu = cpu_pct(case["by"].get("linecast"))
        out.append(f"| {case['label']} | {value_cell(case['by'].get('linecast'), 'delivered_per_s')} | "
                   f"{value_cell(case['by'].get('linecast-backplane'), 'delivered_per_s')} | "
                   f"{ratio(backplane, single)} | {met} | {redis_pct} | {redis_ns} | "
                   f"{pct_text(single_cpu)}/{shares(name, 'linecast-backplane', 'a')} | "
                   f"{lost(case, ('linecast', 'linecast-backplane'))} |")
    out.append("")
    return out


def broadcast_section(cases, brokers):
    """One publisher flooding a fixed count of messages to many subscribers."""
    rows = [c for c in cases.values() if c["kind"] == "broadcast"]
    if not rows:
        return []
    out = ["### Broadcast: one publisher flooding 1,000 or 10,000 subscribers (higher is better)", "",
           "The publisher sends a fixed count of 16-byte messages as fast as the broker takes them; every "
           "subscriber reads as fast as it can, and every delivery owed must arrive within a 60 s drain (a "
           "run with any loss fails). Delivered/s counts from the first message to the last delivery. "
           "Issue 17 wants linecast at 2x the better peer with nothing lost; RSS is the most the broker held "
           "while the messages moved (sampled every 10 ms).",
           "",
           "| case | " + " | ".join(brokers) + " | linecast / better peer | lost (" + "/".join(INITIALS[b] for b in brokers)
           + ") | broker peak RSS, MiB (" + "/".join(INITIALS[b] for b in brokers) + ") |",
           "|---|" + "---:|" * (len(brokers) + 1) + "---|---|"]
    for case in rows:
        by = case["by"]
        rate = {b: (by[b]["delivered_per_s"] if ok(by.get(b)) else None) for b in brokers}
        peers = [rate[b] for b in ("nats", "redis") if rate.get(b)]
        better = ratio(rate.get("linecast"), max(peers)) if peers else "-"
        lost = "/".join(str(by[b].get("lost", "-")) if by.get(b) else "-" for b in brokers)
        rss = "/".join(f"{(by[b].get('server') or {}).get('rss_peak_kb') / 1024:.0f}"
                       if by.get(b) and (by[b].get("server") or {}).get("rss_peak_kb") else "-"
                       for b in brokers)
        out.append(f"| {case['label']} | " + " | ".join(value_cell(by.get(b), "delivered_per_s") for b in brokers)
                   + f" | {better} | {lost} | {rss} |")
    out.append("")
    return out


def chart_data(data):
    cases = runs_by_case(data)
    brokers = brokers_in(data)
    thr = [(c["label"], [c["by"].get(b, {}).get("delivered_per_s", 0) if ok(c["by"].get(b)) else 0 for b in brokers])
           for c in cases.values() if c["kind"] == "throughput"]
    lat = [(c["label"], [c["by"][b]["latency_us"]["p99"] if ok(c["by"].get(b)) else 0 for b in brokers])
           for c in cases.values() if c["kind"] == "latency"]
    return thr, lat


def idle_chart_rows(data):
    """RSS per idle connection of each conns case, per broker (0: no run)."""
    brokers = brokers_in(data)
    rows = []
    for c in runs_by_case(data).values():
        if c["kind"] != "conns":
            continue
        per, _ = idle_rss_cells(c["by"], brokers)
        rows.append((c["label"], [per[b] or 0 for b in brokers]))
    return rows


def chart_title(data):
    """Names the brokers the run compared (an MQTT run is linecast-mqtt
    against Mosquitto, not NATS and Redis)."""
    meta = data["meta"]
    return f"{' vs '.join(brokers_in(data))}, {meta['mode']} run on {meta['cores']} shared cores"


def chart_matplotlib(data, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    thr, lat = chart_data(data)
    idle = idle_chart_rows(data)
    brokers = brokers_in(data)
    # One panel per kind of case the run had: a run of MQTT throughput and
    # idle memory has no latency panel to leave empty.
    panels = [(rows, title, ylabel, fmt) for rows, title, ylabel, fmt in (
        (thr, "Throughput (higher is better)", "delivered msgs/s", lambda v, _: f"{v / 1e6:g}M"),
        (lat, "Latency p99 (lower is better)", "p99 latency, us", None),
        (idle, "Idle RSS (lower is better)", "bytes per idle connection", None),
    ) if rows]
    if not panels:
        panels = [(thr, "Throughput (higher is better)", "delivered msgs/s", None)]
    fig, axes = plt.subplots(1, len(panels), figsize=(4 + 3 * len(panels), 5), squeeze=False,
                             gridspec_kw={"width_ratios": [max(len(p[0]), 2) for p in panels]})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (rows, title, ylabel, fmt) in zip(axes[0], panels):
        width = 0.8 / len(brokers)
        for i, broker in enumerate(brokers):
            xs = [j + (i - (len(brokers) - 1) / 2) * width for j in range(len(rows))]
            ax.bar(xs, [r[1][i] for r in rows], width, label=broker, color=colors[i % len(colors)])
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels([r[0] for r in rows], rotation=20, ha="right", fontsize=8)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        values = [v for r in rows for v in r[1] if v > 0]
        if values and max(values) > 30 * min(values):
            # Bars 30x apart: on a linear axis the smaller ones vanish.
            ax.set_yscale("log")
            ax.set_ylabel(ylabel + " (log scale)")
        if fmt:
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(fmt))
        ax.grid(axis="y", alpha=0.3)
        ax.legend()
    fig.suptitle(chart_title(data))
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def chart_gnuplot(data, png):
    thr, lat = chart_data(data)
    brokers = brokers_in(data)
    dat = png + ".dat"
    with open(dat, "w") as f:
        for label, values in thr:
            f.write('"%s" %s\n' % (label, " ".join(str(v) for v in values)))
        f.write("\n\n")
        for label, values in lat:
            f.write('"%s" %s\n' % (label, " ".join(str(v) for v in values)))
    def plots(index):
        return ", ".join(f"'{dat}' index {index} using {i + 2}" + (":xtic(1)" if i == 0 else "") + f" title '{b}'"
                         for i, b in enumerate(brokers))
    script = f"""
set terminal pngcairo size 1300,500
set output '{png}'
set multiplot layout 1,2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set xtics rotate by -20 font ",8"
set title 'Throughput, delivered msgs/s (higher is better)'
plot {plots(0)}
set title 'Latency p99, us (lower is better)'
plot {plots(1)}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data = load(sys.argv[1])
    print(report(data))
    png = sys.argv[2]
    try:
        chart_matplotlib(data, png)
    except ImportError:
        if shutil.which("gnuplot"):
            chart_gnuplot(data, png)
        else:
            print("(no chart: neither matplotlib for /usr/bin/python3 nor gnuplot is installed)", file=sys.stderr)
            return
    print(f"Chart: {png}", file=sys.stderr)


if __name__ == "__main__":
    main()
