#!/usr/bin/env python3
"""Checks that every file path the benchmark docs mention exists.

  python3 bench/check_paths.py [DOC.md ...]     (default: README.md bench/README.md bench/RESULTS.md)

A path is a Markdown link target (relative to its document) or a token starting with one of the
repository's top folders (bench/, scripts/, src/, docs/, conf/, webroot/, target/; relative to the
repository root) or with /work/ (this machine's shared folders). Globs must match at least one
file. Build and run outputs (target/, bench/target/, bench/out/, bench/.benchdb/) are not in the
tree by design: they are listed as generated, not checked, and they are the only paths allowed a
<placeholder>. Exit status 1 when a path is missing.
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", "bench/README.md", "bench/RESULTS.md"]
TOKEN = re.compile(r"(?<![\w./<>-])(?:\./)?(?:bench|scripts|src|docs|conf|webroot|target)/[\w.*<>+/-]*|(?<![\w.])/work/[\w.*/-]+")
LINK = re.compile(r"\]\(([^)\s]+)\)")
GENERATED = ("target/", "bench/target/", "bench/out/", "bench/.benchdb")


def candidates(doc):
    base = os.path.dirname(doc)
    with open(os.path.join(ROOT, doc)) as f:
        for n, line in enumerate(f, 1):
            for m in LINK.finditer(line):
                t = m.group(1).split("#")[0]
                if t and not re.match(r"^[a-z]+:", t):
                    yield n, t, os.path.normpath(os.path.join(base, t))
            for m in TOKEN.finditer(line):
                t = m.group(0).rstrip(".,:;")
                yield n, t, t[2:] if t.startswith("./") else t


def main(docs):
    missing, generated, checked = [], set(), set()
    for doc in docs:
        for n, shown, path in candidates(doc):
            if path.startswith(GENERATED) or path + "/" in GENERATED:
                generated.add(path)
                continue
            full = path if path.startswith("/") else os.path.join(ROOT, path)
            ok = "<" not in path and (glob.glob(full) if "*" in path else os.path.exists(full))
            checked.add(path)
            if not ok:
                missing.append(f"{doc}:{n}: {shown}")
    print(f"{len(checked)} paths checked in {', '.join(docs)}; generated, not checked: {', '.join(sorted(generated))}")
    for m in missing:
        print("MISSING " + m)
    return 1 if missing else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main(sys.argv[1:] or DOCS))
