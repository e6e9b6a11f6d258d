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


# The stages each method's work needs; its limit in a repetition is the slowest of them in that repetition (a
# pipeline that overlaps them all cannot be faster). curl_devnull is the network ceiling of one connection.
NET, DIRECT, BUFFERED, SHA = "curl_devnull", "limit_disk_direct", "limit_disk_buffered", "limit_sha256"
STAGES = {
    "curl": [NET, BUFFERED],
    "curl_devnull": [NET],
    "curl_sha256_sync": [NET, BUFFERED, SHA],
    "aria2c_x8": [NET, BUFFERED],
    "llmkube_fetch": [NET, DIRECT, SHA],
    "llmkube_fetch_nofsync": [NET, BUFFERED, SHA],
    "llmkube_fetch_stream": [NET, DIRECT, SHA],
    "llmkube_fetch_baseline": [NET, DIRECT, SHA],
}
wall = {(r["rep"], r["method"]): float(r["wall_s"]) for r in rows}
reps = sorted({r["rep"] for r in rows}, key=int)


def limit(m, rep):
    stages = STAGES.get(m)
    if not stages or any((rep, s) not in wall for s in stages):
        return None
    return max(wall[(rep, s)] for s in stages)


# ONLY= runs (A/B pairs) may leave out the reference methods: their ratios are then "–".
curl = med("curl", "wall_s") if "curl" in methods else None
aria = med("aria2c_x8", "wall_s") if "aria2c_x8" in methods else None


def ratio(w, ref):
    return f"{w / ref:.2f}" if ref else "–"


print(f"reps: {len(rows) // len(methods)}, file: {size} bytes")
print("| method | min / median / max wall s | MB/s (median) | time / curl | time / aria2c -x8 | limit s (median) | time / limit | client CPU s | peak RSS MiB |")
print("|---|---|---|---|---|---|---|---|---|")
for m in methods:
    walls = [float(r["wall_s"]) for r in rows if r["method"] == m]
    w = statistics.median(walls)
    cpu = med(m, "user_s") + med(m, "sys_s")
    rss = max(int(r["maxrss_kb"]) for r in rows if r["method"] == m) / 1024
    limits = [(limit(m, rep), wall[(rep, m)]) for rep in reps if (rep, m) in wall]
    limits = [(lim, t) for lim, t in limits if lim]
    # Per repetition, so a change of load during the run hits the method and its limit alike.
    lim = f"{statistics.median(l for l, _ in limits):.2f} | {statistics.median(t / l for l, t in limits):.2f}" if limits else "– | –"
    print(f"| {m} | {min(walls):.2f} / {w:.2f} / {max(walls):.2f} | {size / w / 1e6:,.0f} | {ratio(w, curl)} | {ratio(w, aria)} | {lim} | {cpu:.2f} | {rss:.0f} |")
print(f"\nlimit: the slowest stage the method needs, per repetition: network ({NET}), disk ({DIRECT}: dd oflag=direct "
      f"conv=fsync, or {BUFFERED}: dd to the page cache), sha256 on one core ({SHA}: openssl, the library the fetcher hashes with)")
base = "llmkube_fetch_baseline"
for m in (m for m in methods if m.startswith("llmkube_fetch") and m != base and base in methods):
    pairs = [wall[(rep, m)] / wall[(rep, base)] for rep in reps if (rep, m) in wall and (rep, base) in wall]
    print(f"\nA/B pairs {m} / {base}: median {statistics.median(pairs):.2f} over {len(pairs)} pairs, "
          f"range {min(pairs):.2f}-{max(pairs):.2f}, faster in {sum(p < 1 for p in pairs)} of {len(pairs)}")
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

# The fetcher's own account of each run (its done line): how long sha256 and the file's I/O were busy, beside the
# wall time /usr/bin/time measured for the same run.
stages = list(csv.DictReader(open(sys.argv[5]))) if len(sys.argv) > 5 else []
if stages:
    print("\nbusy stages, from the fetcher's done line (medians over repetitions; sha256 is one thread, disk I/O sums the writers):")
    print("| method | wall s | sha256 busy s | share of wall | disk I/O busy s | fsync and rename s |")
    print("|---|---|---|---|---|---|")
    wall = {(r["rep"], r["method"]): float(r["wall_s"]) for r in rows}
    for m in [m for m in methods if any(st["method"] == m for st in stages)]:
        mine = [st for st in stages if st["method"] == m]
        walls = [wall[(st["rep"], m)] for st in mine]
        col = lambda c: statistics.median(float(st[c]) for st in mine)
        share = statistics.median(float(st["sha256_s"]) / w for st, w in zip(mine, walls))
        print(f"| {m} | {statistics.median(walls):.2f} | {col('sha256_s'):.2f} | {share:.0%} | "
              f"{col('disk_s'):.2f} | {col('publish_s'):.3f} |")
