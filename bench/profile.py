#!/usr/bin/env python3
"""Where the server's Java time goes in a JFR recording: share of execution samples whose stack
contains each marker frame (inclusive), and the hottest leaf frames. Usage: profile.py FILE.jfr"""
import collections
import re
import subprocess
import sys

MARKERS = [
    ("event-bus delivery to local consumers", "HandlerRegistration"),
    ("stock bridge: per-socket deliverMessage", "EventBusBridgeImpl.deliverMessage"),
    ("  of which JSON encode (Jackson)", "com.fasterxml.jackson"),
    ("  of which Netty write/flush", "AbstractChannelHandlerContext.write"),
    ("  of which WebSocket frame encoding", "WebSocket08FrameEncoder"),
    ("stock bridge: permitted-address regex", "EventBusBridgeImpl.checkMatches"),
    ("JsonObject copy by the local codec", "JsonObject.copy"),
    ("bridge hook (BridgeGuard)", "BridgeGuard.handle"),
    ("chat verticle", "io.vertxchat.chat"),
    ("persistence verticle / PG client", "io.vertx.pgclient"),
    ("Hazelcast", "com.hazelcast"),
    ("socket reads (inbound frames)", "WebSocket08FrameDecoder"),
    ("ChatBridge: inbound frames (parse, guard, send)", "ChatBridge.frame"),
    ("ChatBridge: fan-out to sockets", "ChannelFanOut"),
    ("chat: ordered group commit (ChannelWriter)", "ChannelWriter"),
    ("persistence verticle", "PersistenceVerticle"),
    ("event-bus request/reply plumbing", "io.vertx.core.eventbus.impl"),
    ("Jackson (JSON parse + encode)", "com.fasterxml.jackson"),
    ("metrics (Micrometer)", "io.micrometer"),
    ("logging (Logback)", "ch.qos.logback"),
]


def main(path):
    out = subprocess.run(["jfr", "print", "--stack-depth", "96", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, check=True).stdout
    events = out.split("jdk.ExecutionSample")[1:]
    n = len(events) or 1
    print(f"{len(events)} execution samples in {path}")
    for label, marker in MARKERS:
        hits = sum(1 for e in events if marker in e)
        print(f"{100 * hits / n:5.1f}%  {label}")
    leaves = collections.Counter()
    for e in events:
        m = re.search(r"stackTrace = \[\s*\n\s*(.*?)\s+line:", e)
        if m:
            leaves[m.group(1)] += 1
    print("hottest leaf frames:")
    for frame, count in leaves.most_common(12):
        print(f"{100 * count / n:5.1f}%  {frame}")


if __name__ == "__main__":
    main(sys.argv[1])
