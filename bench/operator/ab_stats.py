#!/usr/bin/env python3
"""Summary of A/B rounds written by ab.sh: one line per glob, over every pair in its files.

    python3 bench/operator/ab_stats.py 'OUT/main-*.md' 'OUT/new-*.md'

The operator's CPU is the mean over pairs (the steadier measure); the ratio and times are medians. Two identical
builds measured this way differed by 0.06 in ratio and 1 % in CPU over 10 pairs each (README, session 12), and one
build's rounds of five pairs by up to 0.8 CPU-s: read differences under about 5 % as noise. Beside the median ratio
is a 95 % interval for it (a percentile bootstrap over the pairs, 2,000 resamples, fixed seed, so the same files
always print the same interval; since session 24): a target above the interval is missed beyond what the pairs'
spread explains, one inside it is not resolved by them. Pairs from different minutes of a noisy machine are not
independent draws, so read the interval as a floor on the uncertainty, not its size. The operator's CPU over
the bench process's in the same window (median and quartiles, per pair) is printed too, but read it beside both
absolute numbers: the bench process's CPU moves when the operator changes how it talks to the sandbox (session 19:
0.2 CPU-s more with socket completions inline, while the operator's own fell by 0.03; README).
"""
import glob
import random
import re
import statistics
import sys

ROW = re.compile(r"\| \d+ \|")


def pairs(path):
    """The pair rows of one bench output (each is printed twice: as it finishes and in the table)."""
    seen = []
    for line in open(path, encoding="utf-8"):
        # 14 bars until session 13; session 14 added the JIT counts as last columns, session 21 the restart's.
        if ROW.match(line) and line.count("|") in (14, 15, 16, 17) and line not in seen:
            seen.append(line)
    for line in seen:
        c = [x.strip() for x in line.strip().strip("|").split("|")]
        cpu = re.match(r"([\d.]+) / ([\d.]+) \+ ([\d.]+)", c[12]) if len(c) > 12 else None
        if cpu is None:
            continue  # a row of the closing medians table: since session 21 it has 14 bars, as pair rows had until session 13
        yield {
            "load": float(c[1]), "bare": float(c[2]), "operator": float(c[3]), "ratio": float(c[4].rstrip("x")),
            "passes": float(c[7].split("+")[1]), "rss": int(c[8]), "startup": float(c[9]),
            "bare_cpu": float(cpu.group(1)), "op_cpu": float(cpu.group(2)), "bench_cpu": float(cpu.group(3)),
            "restart_rss": int(c[15].split("/")[0]) if len(c) > 15 else None,
        }


def median_interval(values, resamples=2000, seed=0):
    """A 95 % percentile-bootstrap interval for the median of values."""
    draw = random.Random(seed)
    medians = sorted(statistics.median(draw.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def main(patterns):
    for pattern in patterns:
        rows = [row for path in sorted(glob.glob(pattern)) for row in pairs(path)]
        if not rows:
            print(f"{pattern}: no pairs")
            continue
        col = lambda k: [r[k] for r in rows]
        share = [r["op_cpu"] / r["bench_cpu"] for r in rows]
        q1, _, q3 = statistics.quantiles(share, n=4) if len(share) > 1 else (share[0], 0, share[0])
        low, high = median_interval(col("ratio"))
        print(f"{pattern}: {len(rows)} pairs, load {min(col('load'))}-{max(col('load'))} | "
              f"ratio {statistics.median(col('ratio')):.2f}x ({min(col('ratio')):.2f}-{max(col('ratio')):.2f}; "
              f"median's 95 % interval {low:.2f}-{high:.2f}) | "
              f"bare s {statistics.median(col('bare')):.2f} | operator s {statistics.median(col('operator')):.2f} | "
              f"operator CPU-s {statistics.mean(col('op_cpu')):.2f} | bench CPU-s {statistics.mean(col('bench_cpu')):.2f} | "
              f"bare CPU-s {statistics.mean(col('bare_cpu')):.2f} | "
              f"operator/bench CPU {statistics.median(share):.2f} ({q1:.2f}-{q3:.2f}) | InferenceService passes {statistics.median(col('passes')):.2f} | "
              f"peak RSS {min(col('rss'))}-{max(col('rss'))} MiB | start-up {statistics.median(col('startup')):.2f} s"
              + (f" | restart peak RSS {min(restart)}-{max(restart)} MiB" if (restart := [r for r in col('restart_rss') if r is not None]) else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
