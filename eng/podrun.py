#!/usr/bin/env python3
"""Runs a program from an image's root filesystem the way a pod's container would, without a container runtime.

`podman run` cannot work on the build machines (the VM refuses the runtimes' setrlimit calls), so this does the
part that matters for our images by hand: a private mount namespace with /proc, /dev and /sys mounted in the root
filesystem as a runtime does, optional bind mounts (a pod's volumes),
chroot into the root filesystem (from `podman mount`), supplementary groups cleared, the pod's gid and uid, every
capability dropped (bounding, inheritable and ambient sets; a non-root uid then has no effective or permitted
capability either) and no_new_privs, as `securityContext: {runAsUser, runAsGroup, capabilities: {drop: [ALL]},
allowPrivilegeEscalation: false}` gives. The program is resolved inside the root filesystem. Before exec it prints
one line `podrun: uid=… gid=… CapInh=… CapPrm=… CapEff=… CapBnd=… CapAmb=… NoNewPrivs=…` from /proc/self/status on
stderr: for a non-root uid exec cannot add to those sets (no file capabilities, no_new_privs), so they are the
program's.

usage: podrun.py --root DIR --user UID:GID [--bind HOST_DIR:CONTAINER_DIR]... [--env NAME=VALUE]... -- PROGRAM ARGS...
Must run as root (chroot, mounts). Linux only.
"""
import argparse
import ctypes
import ctypes.util
import os
import sys

CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 38, 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def clear_inheritable():
    """capset with the effective and permitted sets unchanged and an empty inheritable set."""
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header = Header(LINUX_CAPABILITY_VERSION_3, 0)
    data = (Data * 2)()
    check(libc.capget(ctypes.byref(header), data), "capget")
    for d in data:
        d.inheritable = 0
    check(libc.capset(ctypes.byref(header), data), "capset")


def status_line():
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    caps = " ".join(f"{k}={fields[k][0]}" for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"))
    return f"podrun: uid={fields['Uid'][0]} gid={fields['Gid'][0]} groups={','.join(fields.get('Groups', [])) or '-'} {caps} NoNewPrivs={fields['NoNewPrivs'][0]}"


def main():
    parser = argparse.ArgumentParser(description="Run a program from an image root filesystem as a pod would.")
    parser.add_argument("--root", required=True)
    parser.add_argument("--user", required=True, help="UID:GID (non-root)")
    parser.add_argument("--bind", action="append", default=[])
    parser.add_argument("--env", action="append", default=[])
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    program = args.program[1:] if args.program[:1] == ["--"] else args.program
    if not program:
        parser.error("no program given")
    uid, gid = (int(x) for x in args.user.split(":"))
    if uid == 0:
        parser.error("--user must be a non-root uid: this runner drops every capability")
    root = os.path.realpath(args.root)

    check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    # What a container runtime mounts into every container: /proc, /dev and /sys.
    for target in ("proc", "dev", "sys"):
        os.makedirs(os.path.join(root, target), exist_ok=True)
    check(libc.mount(b"proc", (root + "/proc").encode(), b"proc", 0, None), "mount /proc")
    check(libc.mount(b"/dev", (root + "/dev").encode(), None, MS_BIND, None), "bind /dev")
    check(libc.mount(b"/sys", (root + "/sys").encode(), None, MS_BIND | MS_REC, None), "bind /sys")
    for bind in args.bind:
        source, _, target = bind.partition(":")
        check(libc.mount(source.encode(), (root + target).encode(), None, MS_BIND, None), f"bind {bind}")

    os.chroot(root)
    os.chdir("/")
    for cap in range(64):  # drop the whole bounding set (needs CAP_SETPCAP, so before the uid changes)
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # EINVAL: past the last cap
            raise OSError(ctypes.get_errno(), f"PR_CAPBSET_DROP {cap}")
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "clear ambient capabilities")
    clear_inheritable()
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)  # from 0 to non-zero: the permitted and effective sets are cleared
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    print(status_line(), file=sys.stderr, flush=True)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"}
    env.update(e.split("=", 1) for e in args.env)
    os.execvpe(program[0], program, env)


if __name__ == "__main__":
    main()
