#!/usr/bin/env python3
"""Tables of a bench/side-by-side.sh sitting, from OUT_DIR/runs.jsonl (one peer-generator line per run).

  python3 bench/side_by_side.py OUT_DIR                       # Markdown: summary table, then every point
  python3 bench/side_by_side.py --passes RUNS SERVER N RATE   # exit 0 when that point passes

A run passes when p99 (send to receive) < the limit, nothing is lost, every subscriber connected,
the generator sent >= 98 % of its target and (product) no send got a failure reply. A point (REPEAT
runs) passes when the median p99 is under the limit and every run passes the other checks. Every
figure of a point is the median of its runs, except lost (the sum) and RSS and heap per socket
(from the server's first run at that subscriber count, when its sockets were new to a fresh process).
"""
import json
import os
import statistics
import sys

NAMES = {
    "sio": "Socket.IO 4 (Node 20)",
    "vx": "ceiling-vertx (bare Vert.x 5 broadcast)",
    "eb": "stock Vert.x SockJS event-bus bridge",
    "chat": "**vertx-chat** (the product, + PostgreSQL)",
}
ORDER = ["vx", "sio", "eb", "chat"]
# A run is marked noisy (*) when something else took the generator's core: its event loop stalled
# (a 1 ms tick arrived this late) although the generator itself was not saturated.
NOISY_STALL_MS = 100
GEN_SATURATED = 0.9


def noisy(r):
    return r.get("tick_gap_max_ms", 0) > NOISY_STALL_MS and r.get("gen_cpu_util", 0) < GEN_SATURATED


def load(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip().startswith("{")]


def run_ok_except_p99(r):
    if r.get("failed_run"):
        return False
    return (r.get("lost", 1) == 0 and r.get("subs_ready") == r.get("clients") and r.get("connect_failed", 1) == 0
            and r.get("sent", 0) >= 0.98 * r.get("target_sent", 0) and r.get("ack_failed", 0) == 0)


def med(runs, key):
    vals = [r[key] for r in runs if isinstance(r.get(key), (int, float)) and r[key] >= 0]
    return statistics.median(vals) if vals else None


def cpu_us_per_delivery(r):
    if r.get("server_cpu_s", -1) < 0 or not r.get("delivered"):
        return -1
    return r["server_cpu_s"] * 1e6 / r["delivered"]


def point(runs, limit):
    """Median figures of one point's runs and its verdict."""
    good = [r for r in runs if not r.get("failed_run")]
    for r in good:
        r["cpu_us_per_delivery"] = cpu_us_per_delivery(r)
        if not r.get("delivered"):
            r["p99_ms"] = r["p50_ms"] = float("inf")  # nothing arrived: no latency, and a failure
    p99 = med(good, "p99_ms")
    ok = bool(good) and len(good) == len(runs) and p99 is not None and p99 < limit and all(map(run_ok_except_p99, runs))
    return {
        "runs": len(runs), "pass": ok, "p99": p99, "p50": med(good, "p50_ms"),
        "dps": med(good, "delivered_per_s"), "lost": sum(r.get("lost", 0) for r in good),
        "ack_p99": med(good, "ack_p99_ms"), "ack_failed": sum(r.get("ack_failed", 0) for r in good),
        "cpu_us": med(good, "cpu_us_per_delivery"), "cpu_util": med(good, "server_cpu_util"),
        "gen_util": med(good, "gen_cpu_util"), "load1": med(good, "load1"), "busy": med(good, "machine_busy_cores"),
        "pg_cpu": med(good, "pg_cpu_s_whole_run"), "other_cpu": med(good, "other_procs_cpu_s"),
        "connect_s": med(good, "connect_s"), "p99s": [(r.get("p99_ms"), noisy(r)) for r in good],
        "stall": med(good, "tick_gap_max_ms"), "noisy": sum(1 for r in good if noisy(r)),
        "short": sum(1 for r in good if r.get("subs_ready") != r.get("clients") or r.get("sent", 0) < 0.98 * r.get("target_sent", 0)),
    }


def group(lines):
    """{(server, N): {rate: [runs]}} in file order."""
    g = {}
    for r in lines:
        g.setdefault((r.get("label"), r.get("clients")), {}).setdefault(float(r.get("rate")), []).append(r)
    return g


def fmt(v, digits=1):
    if v is None:
        return "-"
    if v == float("inf"):
        return "none arrived"
    if isinstance(v, float) and v >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def rate_str(rate):
    return f"{rate:g}"


def table(out_dir, limit):
    lines = load(os.path.join(out_dir, "runs.jsonl"))
    g = group(lines)
    keys = sorted(g, key=lambda k: (k[1], ORDER.index(k[0]) if k[0] in ORDER else 9))
    out = []
    cmd = os.path.join(out_dir, "COMMAND")
    if os.path.exists(cmd):
        lines_ = [l.strip() for l in open(cmd) if l.strip() and not l.startswith("#")]
        out.append("Command: `" + " ".join(lines_) + "`\n")
    mach = os.path.join(out_dir, "machine.txt")
    if os.path.exists(mach):
        out.append("```\n" + open(mach).read().strip() + "\n```\n")
    out.append(f"A point passes when the median p99 of its runs is < {limit:g} ms and no run lost a message, "
               "missed a subscriber, fell short of its send schedule or (product) got a failure reply.\n")
    out.append("| subscribers | server | highest passing rate: deliveries/s (msg/s) | p50 ms | p99 ms | lost | "
               "CPU µs/delivery | RSS KB/socket | heap KB/socket | next point up |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for k in keys:
        server, n = k
        rates = g[k]
        pts = {rate: point(runs, limit) for rate, runs in rates.items()}
        passing = [rate for rate in sorted(pts) if pts[rate]["pass"]]
        first = lines[[i for i, r in enumerate(lines) if r.get("label") == server and r.get("clients") == n][0]]
        rss = first.get("rss_per_conn_kb", -1)
        heap = first.get("heap_per_conn_kb", -1)
        if passing:
            best = passing[-1]
            p = pts[best]
            head = f"**{fmt(p['dps'], 0)}** ({rate_str(best)})"
        else:
            best = min(pts)
            p = pts[best]
            head = f"none (lowest tried: {rate_str(best)} msg/s, figures at it)"
        higher = [rate for rate in sorted(pts) if rate > best]
        if higher:
            q = pts[higher[0]]
            nxt = f"{rate_str(higher[0])} msg/s: {'passes' if q['pass'] else 'fails'}, p99 {fmt(q['p99'])} ms"
            if q["lost"]:
                nxt += f", lost {q['lost']:,}"
            if q["gen_util"] is not None and q["gen_util"] >= GEN_SATURATED:
                nxt += f" (the generator at {q['gen_util']:.0%} of its core: the limit may be the generator)"
        elif passing:
            nxt = "none tried (passes every point)"
        else:
            nxt = "not tried (stops at a failing point)"
        if p["gen_util"] is not None and p["gen_util"] >= 0.9:
            nxt += f"; generator at {p['gen_util']:.0%} of its core"
        if p["noisy"]:
            nxt += f"; {p['noisy']} of {p['runs']} runs at this point noisy*"
        out.append(f"| {n:,} | {NAMES.get(server, server)} | {head} | {fmt(p['p50'])} | {fmt(p['p99'])} | {p['lost']:,} | "
                   f"{fmt(p['cpu_us'], 2)} | {fmt(rss)} | {fmt(heap) if heap >= 0 else '-'} | {nxt} |")
    out.append("")
    out.append(f"\\* noisy run: the generator's event loop stalled > {NOISY_STALL_MS} ms while it used under "
               f"{GEN_SATURATED:.0%} of its core, so something else had its CPU.\n")
    out.append("Every point (medians of the runs; p99 of each run in brackets, * = noisy run):\n")
    out.append("| subscribers | server | msg/s | runs | deliveries/s | p50 ms | p99 ms | lost | ack p99 ms | "
               "server CPU % | CPU µs/delivery | generator CPU % | generator max stall ms | PG CPU s (whole run) | "
               "machine busy cores (whole run) | load 1 min | pass |")
    out.append("|" + "---|" * 17)
    for k in keys:
        server, n = k
        for rate in sorted(g[k]):
            p = point(g[k][rate], limit)
            p99s = ", ".join(fmt(x) + ("*" if z else "") for x, z in p["p99s"])
            out.append(f"| {n:,} | {server} | {rate_str(rate)} | {p['runs']} | {fmt(p['dps'], 0)} | {fmt(p['p50'])} | "
                       f"{fmt(p['p99'])} [{p99s}] | {p['lost']:,} | {fmt(p['ack_p99']) if server == 'chat' else '-'} | "
                       f"{fmt(None if p['cpu_util'] is None else 100 * p['cpu_util'])} | {fmt(p['cpu_us'], 2)} | "
                       f"{fmt(None if p['gen_util'] is None else 100 * p['gen_util'])} | {fmt(p['stall'])} | "
                       f"{fmt(p['pg_cpu'], 2) if server == 'chat' else '-'} | {fmt(p['busy'], 2)} | {fmt(p['load1'], 2)} | "
                       f"{'yes' if p['pass'] else 'no'} |")
    return "\n".join(out)


def main(argv):
    limit = 100.0
    if "--p99-limit-ms" in argv:
        i = argv.index("--p99-limit-ms")
        limit = float(argv[i + 1])
        del argv[i:i + 2]
    if argv and argv[0] == "--passes":
        runs_path, server, n, rate = argv[1], argv[2], int(argv[3]), float(argv[4])
        runs = [r for r in load(runs_path) if r.get("label") == server and r.get("clients") == n
                and float(r.get("rate")) == rate]
        return 0 if runs and point(runs, limit)["pass"] else 1
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(table(argv[0], limit))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
