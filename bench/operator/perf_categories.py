#!/usr/bin/env python3
"""Where the operator's CPU goes in the timed window, by kind of work, from a system-wide perf profile.

    LLMKUBE_BENCH_OPERATOR_ENV="DOTNET_PerfMapEnabled=1;DOTNET_EnableWriteXorExecute=0" \\
      perf record -F 999 -a -g -o /tmp/perf.data -- dotnet bench/operator/bin/Release/net10.0/OperatorBench.dll 1000 20 2
    perf script -i /tmp/perf.data -F pid,tid,comm,time,ip,sym,dso > /tmp/stacks.txt
    python3 bench/operator/perf_categories.py /tmp/stacks.txt --bins PID      # 0.25 s bins: samples, tiered-JIT samples
    python3 bench/operator/perf_categories.py /tmp/stacks.txt PID:T0:T1 ...   # the window(s) read off the bins

The operator's pids are those of the /tmp/perf-PID.map files the runtime writes (two per pair: the run, then the
start-up check). In the bins the warm-up ends with a burst of the tiered-JIT thread; the window is the busy stretch
after it. Each sample is put in the first category that matches, walking its stack from the leaf up, so a category
holds what runs inside it and not in a more specific one listed before it.
"""
import collections
import re
import sys

# (name, pattern): the first frame from the leaf that matches any pattern decides; thread names are checked first.
THREADS = [("tiered JIT thread", "Tiered"), ("background GC thread", "BGC")]
FRAMES = [
    ("string pool (cached strings)", "StringPool"),
    ("JsonSubset (child comparison)", "JsonSubset"),
    ("PatchHelper (snapshot, copy, diff)", "PatchHelper"),
    ("DesiredState (builders)", "DesiredState"),
    ("SpecChecks (validation)", "SpecCheck"),
    ("logging", "Microsoft.Extensions.Logging"),
    ("metrics (prometheus-net)", "Prometheus"),
    ("Kestrel (probes, /metrics)", "AspNetCore"),
    ("watch decoding (WatchStream; before session 11 the client Watcher)", re.compile(r"WatchStream|Watcher`1|WatchAsync|WatchOnceAsync")),
    ("informer cache and handlers", "Informer`1[System.__Canon]::Apply"),
    ("client requests (serialize, HTTP, decode response)", re.compile(r"SendRequestRaw|CreateResultAsync|WithHttpMessagesAsync")),
    ("reconcile, other", re.compile(r"Reconciler|ChildWriter|ChildOwnership|Controller\+")),
]
HEADER = re.compile(r"(.*?)\s+(\d+)/(\d+)\s+([\d.]+):")


def samples(path):
    """Yields (comm, pid, time, frames leaf first)."""
    head, frames = None, []
    with open(path, errors="replace") as stacks:
        for line in stacks:
            if not line.strip():
                if head:
                    yield (*head, frames)
                head, frames = None, []
            elif not line.startswith("\t"):
                m = HEADER.match(line)
                head = (m.group(1).strip(), m.group(2), float(m.group(4))) if m else None
            elif head:
                parts = line.strip().split(" ", 1)
                frames.append(parts[1] if len(parts) > 1 else "?")
    if head:
        yield (*head, frames)


def matches(pattern, frame):
    return pattern.search(frame) if hasattr(pattern, "search") else pattern in frame


def category(comm, frames):
    for name, pattern in THREADS:
        if pattern in comm:
            return name
    for frame in frames:
        for name, pattern in FRAMES:
            if matches(pattern, frame):
                return name
    return "kernel, other" if frames and "[kernel" in frames[0] else "other (runtime, libc, unresolved)"


def main(args):
    if len(args) == 3 and args[1] == "--bins":
        total, jit = collections.Counter(), collections.Counter()
        for comm, pid, t, _ in samples(args[0]):
            if pid == args[2]:
                total[int(t * 4) / 4] += 1
                jit[int(t * 4) / 4] += "Tiered" in comm
        for b in sorted(total):
            print(f"{b:.2f} {total[b]} {jit[b]}")
        return
    windows = [(p, float(t0), float(t1)) for p, t0, t1 in (a.split(":") for a in args[1:])]
    counts = collections.Counter(
        category(comm, frames)
        for comm, pid, t, frames in samples(args[0])
        if any(pid == p and t0 <= t <= t1 for p, t0, t1 in windows))
    n = sum(counts.values())
    print(f"{n} samples in the window(s)")
    for name, count in counts.most_common():
        print(f"{100 * count / n:5.1f} %  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
