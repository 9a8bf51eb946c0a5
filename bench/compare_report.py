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

BROKERS = ["linecast", "nats", "redis"]
PEERS = ["nats", "redis"]
# linecast-null-relay, the ceiling: run on the throughput cases only.
RELAY = "relay"
# linecast on its io_uring backend (--io uring), when the build has it.
URING = "linecast-uring"


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


def value_cell(result, key):
    if result is None:
        return "-"
    if not result.get("ok"):
        return "FAIL"
    return short(result.get(key))


def report(data):
    meta = data["meta"]
    cases = runs_by_case(data)
    out = []
    out.append(f"## linecast vs NATS vs Redis ({meta['mode']} run, {meta['date']})")
    out.append("")
    threads = ", ".join(f"{b}-server {meta['threads'].get(b, '?')}" for b in BROKERS if b in meta["threads"])
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
    has_uring = any(run["broker"] == URING for run in data["runs"])
    cols = BROKERS + ([URING] if has_uring else []) + ([RELAY] if has_relay else [])
    out.append("| case | " + " | ".join(cols) + " | linecast/nats | linecast/redis"
               + (" | uring/epoll" if has_uring else "")
               + (" | linecast/relay" if has_relay else "") + " | lost ("
               + "/".join(b if b in (RELAY, URING) else b[0] for b in cols) + ") |")
    out.append("|---|" + "---:|" * (len(cols) + 2 + has_uring + has_relay) + "---|")
    for case in cases.values():
        if case["kind"] != "throughput":
            continue
        by = case["by"]
        rate = {b: (by[b]["delivered_per_s"] if ok(by.get(b)) else None) for b in cols}
        lost = "/".join(str(by[b]["lost"]) if by.get(b) else "-" for b in cols)
        relay_ratio = f" | {ratio(rate['linecast'], rate[RELAY])}" if has_relay else ""
        uring_ratio = f" | {ratio(rate[URING], rate['linecast'])}" if has_uring else ""
        out.append(f"| {case['label']} | " + " | ".join(value_cell(by.get(b), "delivered_per_s") for b in cols)
                   + f" | {ratio(rate['linecast'], rate['nats'])} | {ratio(rate['linecast'], rate['redis'])}"
                   + f"{uring_ratio}{relay_ratio} | {lost} |")
    out.append("")

    out.append("### Latency in us from the intended send time (lower is better)")
    out.append("")
    out.append("| case | broker | p50 | p90 | p99 | p99.9 | max | loadgen send lag p99 | linecast p99 / this p99 |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for case in cases.values():
        if case["kind"] != "latency":
            continue
        by = case["by"]
        lc = by.get("linecast")
        for b in BROKERS + ([URING] if has_uring else []):
            r = by.get(b)
            if r is None:
                continue
            if not r["ok"]:
                out.append(f"| {case['label']} | {b} | FAIL | | | | | | |")
                continue
            l = r["latency_us"]
            rel = ratio(lc["latency_us"]["p99"], l["p99"]) if ok(lc) and b != "linecast" else ""
            out.append(f"| {case['label']} | {b} | {l['p50']:.0f} | {l['p90']:.0f} | {l['p99']:.0f} | "
                       f"{l['p999']:.0f} | {l['max']:.0f} | {r['send_lag_us']['p99']:.0f} | {rel} |")
    out.append("")

    out.append("### Connections: broker memory per idle subscriber (lower is better)")
    out.append("")
    out.append("| case | linecast | nats | redis | nats/linecast | redis/linecast | every message reached exactly its subscriber |")
    out.append("|---|---:|---:|---:|---:|---:|---|")
    for case in cases.values():
        if case["kind"] != "conns":
            continue
        by = case["by"]
        per = {b: (by[b]["server"]["rss_per_conn_bytes"] if ok(by.get(b)) else None) for b in BROKERS}
        cells = [f"{per[b]:.0f} B" if per[b] is not None else ("FAIL" if by.get(b) else "-") for b in BROKERS]
        verdict = ", ".join(f"{b} {'yes' if ok(by.get(b)) else 'NO'}" for b in BROKERS if by.get(b))
        out.append(f"| {case['label']} | " + " | ".join(cells)
                   + f" | {ratio(per['nats'], per['linecast'])} | {ratio(per['redis'], per['linecast'])} | {verdict} |")
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
    if failures:
        out.append("Failed runs:")
        for case, broker, error in failures:
            out.append(f"- {case} on {broker}: {error}")
        out.append("")
    return "\n".join(out)


def chart_data(data):
    cases = runs_by_case(data)
    thr = [(c["label"], [c["by"].get(b, {}).get("delivered_per_s", 0) if ok(c["by"].get(b)) else 0 for b in BROKERS])
           for c in cases.values() if c["kind"] == "throughput"]
    lat = [(c["label"], [c["by"][b]["latency_us"]["p99"] if ok(c["by"].get(b)) else 0 for b in BROKERS])
           for c in cases.values() if c["kind"] == "latency"]
    return thr, lat


def chart_matplotlib(data, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    thr, lat = chart_data(data)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [max(len(thr), 1), max(len(lat), 1)]})
    for ax, rows, title, ylabel in ((axes[0], thr, "Throughput (higher is better)", "delivered msgs/s"),
                                    (axes[1], lat, "Latency p99 (lower is better)", "p99 latency, us")):
        width = 0.27
        for i, broker in enumerate(BROKERS):
            xs = [j + (i - 1) * width for j in range(len(rows))]
            ax.bar(xs, [r[1][i] for r in rows], width, label=broker)
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels([r[0] for r in rows], rotation=20, ha="right", fontsize=8)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if rows is thr:
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1e6:g}M"))
        ax.grid(axis="y", alpha=0.3)
        ax.legend()
    fig.suptitle(f"linecast vs NATS vs Redis, {data['meta']['mode']} run on {data['meta']['cores']} shared cores")
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def chart_gnuplot(data, png):
    thr, lat = chart_data(data)
    dat = png + ".dat"
    with open(dat, "w") as f:
        for label, values in thr:
            f.write('"%s" %s\n' % (label, " ".join(str(v) for v in values)))
        f.write("\n\n")
        for label, values in lat:
            f.write('"%s" %s\n' % (label, " ".join(str(v) for v in values)))
    script = f"""
set terminal pngcairo size 1300,500
set output '{png}'
set multiplot layout 1,2
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set xtics rotate by -20 font ",8"
set title 'Throughput, delivered msgs/s (higher is better)'
plot '{dat}' index 0 using 2:xtic(1) title 'linecast', '' index 0 using 3 title 'nats', '' index 0 using 4 title 'redis'
set title 'Latency p99, us (lower is better)'
plot '{dat}' index 1 using 2:xtic(1) title 'linecast', '' index 1 using 3 title 'nats', '' index 1 using 4 title 'redis'
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
