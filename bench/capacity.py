#!/usr/bin/env python3
"""The measuring and summing half of bench/capacity.sh (docs/capacity.md cites its figures).

  capacity.py snapshot OUT.json --nodes PID:PORT[,PID:PORT...] --pg-pid PID --psql "CMD..."
      one instant: per node CPU seconds (/proc/PID/stat utime+stime) and its /metrics text;
      PostgreSQL's CPU seconds (postmaster and its children), pg_current_wal_lsn() and the
      database's xact_commit; the machine's busy CPU seconds (/proc/stat) and load average.
  capacity.py heap PID           heap used after a full GC, in KiB (jcmd GC.run, GC.heap_info)
  capacity.py subs DIR           __vertx.subs entries per member from Hazelcast's diagnostics log
  capacity.py count PORT METRIC  one metric's value summed over its label sets
  capacity.py wait-stored PORTS AT_LEAST SECONDS   waits (one process, polling every 0.1 s) until
                                 chat_messages_stored_total summed over the nodes reaches AT_LEAST
  capacity.py summary RUN_DIR... per node count: the window's figures (JSON) and a Markdown table
  capacity.py keep OUT_DIR DEST  copies a run to DEST (bench/results/...) small: the snapshots' metrics
                                 cut to the lines the summary reads, no cookies, no Hazelcast logs

Only the standard library: it runs wherever bench/capacity.sh does.
"""
import glob
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

CLK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return fields, (int(fields[11]) + int(fields[12])) / CLK


def pg_cpu(root):
    """CPU seconds of the postmaster and its direct children (backends, walwriter, checkpointer...)."""
    total = 0.0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            fields, cpu = proc_cpu(p)
        except (OSError, ValueError):
            continue
        if p == str(root) or fields[1] == str(root):
            total += cpu
    return total


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / CLK


def metrics_text(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        return r.read().decode()


LINE = re.compile(r'^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """[(name, {label: value}, float)] of a Prometheus text page."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            continue
        labels = dict(LABEL.findall(m.group(2) or ""))
        try:
            out.append((m.group(1), labels, float(m.group(3))))
        except ValueError:
            pass
    return out


def total(samples, name, **want):
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in want.items()))


def lsn(text):
    hi, lo = text.strip().split("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def snapshot(out, nodes, pg_pid, psql):
    snap = {"t": time.monotonic(), "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "loadavg": open("/proc/loadavg").read().split()[:3], "machine_busy_s": machine_busy(), "nodes": []}
    for spec in nodes.split(","):
        pid, port = spec.split(":")
        text = metrics_text(port)
        snap["nodes"].append({"pid": int(pid), "port": int(port), "cpu_s": proc_cpu(pid)[1], "metrics": text})
    snap["pg_cpu_s"] = pg_cpu(pg_pid)
    row = subprocess.run(psql + ["-tAc", "SELECT pg_current_wal_lsn(), (SELECT xact_commit FROM pg_stat_database "
                                          "WHERE datname = current_database())"],
                         capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    wal, commits = row.split("|")
    snap["wal_lsn"] = wal
    snap["wal_bytes"] = lsn(wal)
    snap["xact_commit"] = int(commits)
    with open(out, "w") as f:
        json.dump(snap, f)


def heap(pid):
    for _ in range(2):  # the second full GC also frees what the first one's finalisation released
        subprocess.run(["jcmd", str(pid), "GC.run"], capture_output=True, timeout=60, check=True)
    info = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=60,
                          check=True).stdout
    # One CPU makes the JVM pick the serial collector (young + tenured); G1 prints one line.
    used = re.findall(r"^\s*(?:def new generation|tenured generation|garbage-first heap|PSYoungGen|ParOldGen)"
                      r"\s+total \d+K, used (\d+)K", info, re.M)
    if not used:
        raise SystemExit(f"no heap line in jcmd GC.heap_info:\n{info}")
    print(sum(int(u) for u in used))


SUBS = re.compile(r"name=__vertx\.subs,.*?metric=multiMap\.(\w+)\]=(\d+)")
# Entry events the member's multimap service published (to the listeners: every member's Vert.x).
EVENTS = re.compile(r"service=hz:impl:multiMapService,.*?metric=event\.(publicationCount)\]=(\d+)")


def subs(directory):
    """The last value of each __vertx.subs statistic in a member's diagnostics log(s)."""
    last = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.log"))):
        with open(path, errors="replace") as f:
            for line in f:
                for m in list(SUBS.finditer(line)) + list(EVENTS.finditer(line)):
                    last[m.group(1)] = int(m.group(2))
    return last


# ---- summary -----------------------------------------------------------------------------------

def load(path):
    with open(path) as f:
        s = json.load(f)
    for n in s["nodes"]:
        n["samples"] = parse_metrics(n.pop("metrics"))
    return s


def bus(samples, what):
    """Event-bus cluster traffic of a node: {address label: (messages, bytes)} for bytes_read/_written."""
    out = {}
    for n, l, v in samples:
        if n in (f"vertx_eventbus_bytes_{what}_count", f"vertx_eventbus_bytes_{what}_sum"):
            a = l.get("address", "?")
            c, b = out.get(a, (0.0, 0.0))
            out[a] = (c + v, b) if n.endswith("_count") else (c, b + v)
    return out


def delta_bus(a, b):
    return {k: (v[0] - a.get(k, (0, 0))[0], v[1] - a.get(k, (0, 0))[1]) for k, v in b.items()
            if v[0] - a.get(k, (0, 0))[0] > 0}


def summarise_run(run_dir):
    meta = json.load(open(os.path.join(run_dir, "run.json")))
    a, b = load(os.path.join(run_dir, "snap-a.json")), load(os.path.join(run_dir, "snap-b.json"))
    wall = b["t"] - a["t"]
    idle = None
    if os.path.exists(os.path.join(run_dir, "idle-b.json")):
        ia, ib = load(os.path.join(run_dir, "idle-a.json")), load(os.path.join(run_dir, "idle-b.json"))
        idle = {"wall": ib["t"] - ia["t"], "nodes": [(y["cpu_s"] - x["cpu_s"]) / (ib["t"] - ia["t"])
                                                    for x, y in zip(ia["nodes"], ib["nodes"])],
                "sockets": [total(y["samples"], "chat_bridge_sockets") for y in ib["nodes"]],
                "pg": (ib["pg_cpu_s"] - ia["pg_cpu_s"]) / (ib["t"] - ia["t"])}
    stored = sum(total(nb["samples"], "chat_messages_stored_total") - total(na["samples"], "chat_messages_stored_total")
                 for na, nb in zip(a["nodes"], b["nodes"]))
    nodes = []
    for i, (na, nb) in enumerate(zip(a["nodes"], b["nodes"])):
        sa, sb = na["samples"], nb["samples"]
        d = total(sb, "chat_fanout_deliveries_total") - total(sa, "chat_fanout_deliveries_total")
        cpu = nb["cpu_s"] - na["cpu_s"]
        idle_rate = idle["nodes"][i] if idle else None
        marginal = cpu - idle_rate * wall if idle else None
        own = total(sb, "chat_messages_stored_total") - total(sa, "chat_messages_stored_total")
        w = delta_bus(bus(sa, "written"), bus(sb, "written"))
        r = delta_bus(bus(sa, "read"), bus(sb, "read"))
        heap = meta["heap_kb"][i]
        node = {
            "node": i + 1, "pid": na["pid"],
            # the fewer of the two snapshots: a socket count that fell means the window overran the load
            "sockets": min(total(sa, "chat_bridge_sockets"), total(sb, "chat_bridge_sockets")),
            "channels_here": total(sb, "chat_bridge_channels"),
            "deliveries": d, "stored_here": own, "cpu_s": round(cpu, 3),
            "cpu_util": round(cpu / wall, 3),
            "cpu_us_per_delivery": round(cpu / d * 1e6, 2) if d else None,
            "idle_cpu_util": round(idle_rate, 4) if idle else None,
            "idle_sockets": idle["sockets"][i] if idle else None,
            "marginal_cpu_us_per_delivery": round(marginal / d * 1e6, 2) if idle and d else None,
            "cpu_us_per_stored_message_cluster": round(cpu / stored * 1e6, 1) if stored else None,
            "bus_written_msgs_per_message": round(sum(v[0] for v in w.values()) / stored, 3) if stored else None,
            "bus_written_bytes_per_message": round(sum(v[1] for v in w.values()) / stored, 1) if stored else None,
            "bus_read_msgs_per_message": round(sum(v[0] for v in r.values()) / stored, 3) if stored else None,
            "bus_read_bytes_per_message": round(sum(v[1] for v in r.values()) / stored, 1) if stored else None,
            "bus_written_by_address": {k: [int(v[0]), int(v[1])] for k, v in sorted(w.items())},
            "bus_read_by_address": {k: [int(v[0]), int(v[1])] for k, v in sorted(r.items())},
            "heap_kb_0_sockets": heap[0], "heap_kb_n_sockets": heap[1], "heap_sockets": heap[2],
            "heap_kb_per_socket": round((heap[1] - heap[0]) / heap[2], 2) if heap[0] and heap[1] and heap[2] else None,
            "subs_map": {k: v for k, v in meta.get("subs", [{}] * len(a["nodes"]))[i].items()
                         if k in ("ownedEntryCount", "backupEntryCount", "putCount", "removeCount", "publicationCount")},
        }
        nodes.append(node)
    deliveries = sum(n["deliveries"] for n in nodes)
    node_cpu = sum(n["cpu_s"] for n in nodes)
    pg = b["pg_cpu_s"] - a["pg_cpu_s"]
    wal = b["wal_bytes"] - a["wal_bytes"]
    commits = b["xact_commit"] - a["xact_commit"]
    subs_owned = sum(n["subs_map"].get("ownedEntryCount", 0) for n in nodes)
    subs_backup = sum(n["subs_map"].get("backupEntryCount", 0) for n in nodes)
    return {
        "nodes_count": len(nodes), "run_dir": os.path.basename(run_dir), "command": meta["command"],
        "window_s": round(wall, 2), "utc_from": a["utc"], "utc_to": b["utc"],
        "load_before": meta["uptime_before"], "load_after": meta["uptime_after"],
        "load_window": [a["loadavg"], b["loadavg"]],
        "machine_busy_cores": round((b["machine_busy_s"] - a["machine_busy_s"]) / wall, 2),
        "subscribers": meta["subscribers"], "channels": meta["channels"], "rate_per_channel": meta["rate"],
        "stored": stored, "stored_per_s": round(stored / wall, 1),
        "deliveries": deliveries, "deliveries_per_s": round(deliveries / wall, 1),
        "deliveries_per_message": round(deliveries / stored, 1) if stored else None,
        "nodes_cpu_s": round(node_cpu, 3),
        "nodes_cpu_us_per_delivery": round(node_cpu / deliveries * 1e6, 2) if deliveries else None,
        "nodes_marginal_cpu_us_per_delivery": round(sum(n["cpu_s"] - n["idle_cpu_util"] * wall for n in nodes)
                                                    / deliveries * 1e6, 2) if idle and deliveries else None,
        "pg_idle_cpu_util": round(idle["pg"], 4) if idle else None,
        "pg_cpu_s": round(pg, 3), "pg_cpu_us_per_message": round(pg / stored * 1e6, 1) if stored else None,
        "wal_bytes": wal, "wal_bytes_per_message": round(wal / stored, 1) if stored else None,
        "commits": commits, "messages_per_commit": round(stored / commits, 2) if commits else None,
        "subs_entries_owned": subs_owned, "subs_entries_backup": subs_backup,
        "generator": meta.get("generator", {}), "nodes": nodes,
    }


def table(runs):
    rows = [
        ("nodes", lambda r: r["nodes_count"]),
        ("sockets per node", lambda r: " / ".join(str(int(n["sockets"])) for n in r["nodes"])),
        ("window s", lambda r: r["window_s"]),
        ("stored msg/s", lambda r: r["stored_per_s"]),
        ("deliveries/s", lambda r: r["deliveries_per_s"]),
        ("deliveries per message", lambda r: r["deliveries_per_message"]),
        ("node CPU µs per delivery (each node)", lambda r: " / ".join(str(n["cpu_us_per_delivery"]) for n in r["nodes"])),
        ("node CPU µs per delivery (all nodes)", lambda r: r["nodes_cpu_us_per_delivery"]),
        ("node CPU µs per delivery less the idle rate (each node)", lambda r: " / ".join(str(n["marginal_cpu_us_per_delivery"]) for n in r["nodes"])),
        ("node CPU µs per delivery less the idle rate (all nodes)", lambda r: r["nodes_marginal_cpu_us_per_delivery"]),
        ("idle node CPU % of a core before publishing (sockets then)", lambda r: " / ".join(
            f"{n['idle_cpu_util'] * 100:.1f} ({int(n['idle_sockets'])})" if n["idle_cpu_util"] is not None else "-" for n in r["nodes"])),
        ("node CPU % of a core (each node)", lambda r: " / ".join(f"{n['cpu_util'] * 100:.1f}" for n in r["nodes"])),
        ("bus messages written per chat message (each node)", lambda r: " / ".join(str(n["bus_written_msgs_per_message"]) for n in r["nodes"])),
        ("bus bytes written per chat message (each node)", lambda r: " / ".join(str(n["bus_written_bytes_per_message"]) for n in r["nodes"])),
        ("bus bytes read per chat message (each node)", lambda r: " / ".join(str(n["bus_read_bytes_per_message"]) for n in r["nodes"])),
        ("`__vertx.subs` entries owned / backup (all members)", lambda r: f"{r['subs_entries_owned']} / {r['subs_entries_backup']}"),
        ("PG CPU µs per stored message", lambda r: r["pg_cpu_us_per_message"]),
        ("WAL bytes per stored message", lambda r: r["wal_bytes_per_message"]),
        ("messages per commit", lambda r: r["messages_per_commit"]),
        ("heap KiB per socket (each node)", lambda r: " / ".join(str(n["heap_kb_per_socket"]) for n in r["nodes"])),
        ("generator: lost / p99 ms (node 1's sockets)", lambda r: f"{r['generator'].get('lost', '?')} / {r['generator'].get('p99_ms', '?')}"),
        ("machine busy cores in the window", lambda r: r["machine_busy_cores"]),
        ("load average (1, 5, 15 min) at the window's start", lambda r: ", ".join(r["load_window"][0])),
    ]
    out = ["| figure | " + " | ".join(f"{r['nodes_count']} node(s)" for r in runs) + " |",
           "|---|" + "---|" * len(runs)]
    for name, f in rows:
        out.append(f"| {name} | " + " | ".join(str(f(r)) for r in runs) + " |")
    return "\n".join(out)


def summary(dirs):
    runs = []
    for d in dirs:
        if os.path.exists(os.path.join(d, "run.json")):
            runs.append(summarise_run(d))
        else:
            for sub in sorted(glob.glob(os.path.join(d, "nodes-*"))):
                if os.path.exists(os.path.join(sub, "snap-b.json")):
                    runs.append(summarise_run(sub))
    runs.sort(key=lambda r: r["nodes_count"])
    for r in runs:
        print(json.dumps(r))
    print()
    print(table(runs))


KEEP = ("chat_", "vertx_eventbus_bytes", "vertx_eventbus_published", "vertx_eventbus_sent",
        "vertx_eventbus_received", "vertx_eventbus_handlers", "vertx_http_server_active")


def keep(src, dst):
    import shutil
    os.makedirs(dst, exist_ok=True)
    for f in ("COMMAND", "machine.txt"):
        if os.path.exists(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), dst)
    for run in sorted(glob.glob(os.path.join(src, "nodes-*"))):
        out = os.path.join(dst, os.path.basename(run))
        os.makedirs(out, exist_ok=True)
        for f in os.listdir(run):
            p = os.path.join(run, f)
            if f == "cookies.txt" or os.path.isdir(p):  # session cookies; diagnostics logs (MBs)
                continue
            if f.endswith(".json") and f != "run.json":
                with open(p) as fh:
                    s = json.load(fh)
                for n in s["nodes"]:
                    n["metrics"] = "\n".join(l for l in n["metrics"].splitlines() if l.startswith(KEEP))
                with open(os.path.join(out, f), "w") as fh:
                    json.dump(s, fh)
            else:
                shutil.copy(p, out)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd = argv[1]
    if cmd == "snapshot":
        opts = {"--nodes": None, "--pg-pid": None, "--psql": None}
        rest = argv[3:]
        for i in range(0, len(rest), 2):
            opts[rest[i]] = rest[i + 1]
        snapshot(argv[2], opts["--nodes"], opts["--pg-pid"], opts["--psql"].split())
    elif cmd == "heap":
        heap(argv[2])
    elif cmd == "subs":
        print(json.dumps(subs(argv[2])))
    elif cmd == "count":
        print(int(total(parse_metrics(metrics_text(argv[2])), argv[3])))
    elif cmd == "wait-stored":
        ports, at_least, end = argv[2].split(","), int(argv[3]), time.monotonic() + float(argv[4])
        while True:
            n = sum(total(parse_metrics(metrics_text(p)), "chat_messages_stored_total") for p in ports)
            if n >= at_least:
                print(int(n))
                return
            if time.monotonic() > end:
                raise SystemExit(f"timed out: {int(n)} messages stored, waiting for {at_least}")
            time.sleep(0.1)
    elif cmd == "summary":
        summary(argv[2:])
    elif cmd == "keep":
        keep(argv[2], argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
