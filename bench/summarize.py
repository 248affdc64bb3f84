#!/usr/bin/env python3
"""Prints a Markdown table per scenario from DIR/*.jsonl, one folder of bench/run.sh output (the
newest bench/out/* folder when no DIR is given; kept runs are in bench/results/<date>-<name>/): the
median of the repeated runs at each rate (each figure its own median), as the generator's summary
line computed it.  Usage: summarize.py [DIR]"""
import glob
import json
import os
import sys

COLUMNS = [
    ("rate", "rate msg/s"), ("repeats", "runs"), ("deliveriesPerSecond", "deliveries/s"),
    ("ackedPerSecond", "acked/s"), ("p50Ms", "p50 ms"), ("p95Ms", "p95 ms"), ("p99Ms", "p99 ms"),
    ("maxMs", "max ms"), ("ackP99Ms", "ack p99 ms"), ("lost", "lost (median)"), ("duplicates", "dup"),
    ("serverCpuPercent", "server CPU %"), ("serverCpuMicrosPerDelivery", "CPU µs/delivery"),
    ("serverCpuMicrosPerAck", "CPU µs/ack"), ("postgresCpuPercent", "PG CPU %"),
    ("postgresCpuMicrosPerAck", "PG CPU µs/ack"), ("loadAverage1m", "load avg"), ("pass", "pass"),
]


def main(directory):
    for path in sorted(glob.glob(os.path.join(directory, "*.jsonl"))):
        lines = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
        runs = [l for l in lines if l.get("kind") == "run"]
        summary = next((l for l in lines if l.get("kind") == "summary"), None)
        name = os.path.basename(path)[:-6]
        print(f"\n### {name}\n")
        if not runs:
            print("(no runs)")
            continue
        first = runs[0]
        if first.get("mode") == "idle":
            for r in runs:
                print("```json\n" + json.dumps(r, indent=1) + "\n```")
            continue
        print(f"subscribers {first['subscribers']}, channels {first['channels']}, publishers {first['publishers']}, "
              f"sockets {first['sockets']}, sign-in {first['signInMs']} ms, connect+join {first['connectMs']} ms")
        mem = first.get("memory") or []
        for m in mem:
            print(f"- server pid {m['pid']}: live heap {m['liveHeapBeforeKb']} -> {m['liveHeapAfterKb']} KiB, "
                  f"RSS {m['rssBeforeKb']} -> {m['rssAfterKb']} KiB; per connection: heap "
                  f"{m['heapPerConnectionBytes']} B, RSS {m['rssPerConnectionBytes']} B")
        points = summary["points"] if summary else []
        print()
        print("| " + " | ".join(c[1] for c in COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for p in points:
            print("| " + " | ".join(str(p.get(c[0], "")) for c in COLUMNS) + " |")
        if summary:
            print(f"\nlast passing rate (p99 < {summary['p99LimitMs']} ms, nothing lost or failed): "
                  f"{summary['lastPassingRate']}")


def newest_output():
    runs = [d for d in glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "*"))
            if glob.glob(os.path.join(d, "*.jsonl")) and not os.path.basename(d).startswith("side-by-side-")]
    if not runs:
        sys.exit("no bench/out/* folder with .jsonl files; give a folder, e.g. bench/results/2026-12-01-run3")
    return max(runs, key=os.path.getmtime)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else newest_output())
