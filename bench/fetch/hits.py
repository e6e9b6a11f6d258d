"""Times process runs precisely: posix_spawn + wait4, wall time from perf_counter.

Usage: hits.py CSV RUNS -- CMD... ; appends rows what,run,wall_s for CMD (what=hit) and /bin/true (what=true),
interleaved, after 3 warm-ups of each. (wait4's ru_maxrss is not used: after a vfork-style spawn it reports the
parent's size; run.sh measures peak RSS with /usr/bin/time instead.)"""
import os
import sys
import time

csv_path, runs = sys.argv[1], int(sys.argv[2])
cmd = sys.argv[sys.argv.index("--") + 1:]
devnull = os.open(os.devnull, os.O_WRONLY)


def once(argv):
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status, _ = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[0]} failed")
    return wall


for _ in range(3):
    once(cmd)
    once(["/bin/true"])
with open(csv_path, "a") as out:
    for i in range(1, runs + 1):
        for what, argv in (("hit", cmd), ("true", ["/bin/true"])):
            out.write(f"{what},{i},{once(argv):.6f}\n")
