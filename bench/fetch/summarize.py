"""Medians per method and same-run ratios for bench/fetch/run.sh."""
import csv
import statistics
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
hits = list(csv.DictReader(open(sys.argv[2])))
size = int(sys.argv[3]) * 1048576
methods = []
for r in rows:
    if r["method"] not in methods:
        methods.append(r["method"])


def med(m, col):
    return statistics.median(float(r[col]) for r in rows if r["method"] == m)


curl = med("curl", "wall_s")
aria = med("aria2c_x8", "wall_s")
print(f"reps: {len(rows) // len(methods)}, file: {size} bytes")
print("| method | min / median / max wall s | MB/s (median) | time / curl | time / aria2c -x8 | client CPU s | peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
for m in methods:
    walls = [float(r["wall_s"]) for r in rows if r["method"] == m]
    w = statistics.median(walls)
    cpu = med(m, "user_s") + med(m, "sys_s")
    rss = max(int(r["maxrss_kb"]) for r in rows if r["method"] == m) / 1024
    print(f"| {m} | {min(walls):.2f} / {w:.2f} / {max(walls):.2f} | {size / w / 1e6:,.0f} | {w / curl:.2f} | {w / aria:.2f} | {cpu:.2f} | {rss:.0f} |")
hit_rss = int(sys.argv[4]) / 1024 if len(sys.argv) > 4 else None


def hit_times(what):
    return sorted(float(h["wall_s"]) * 1000 for h in hits if h.get("what", "hit") == what)


hw = hit_times("hit")
rss = f", peak RSS {hit_rss:.1f} MiB" if hit_rss else ""
print(f"\ncache hit (AOT binary, {len(hw)} runs after 3 warm-ups): median {statistics.median(hw):.1f} ms, "
      f"min {hw[0]:.1f} ms, max {hw[-1]:.1f} ms{rss}")
tw = hit_times("true")
if tw:
    print(f"/bin/true timed the same way, interleaved: median {statistics.median(tw):.1f} ms, min {tw[0]:.1f} ms")
