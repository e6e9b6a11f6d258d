#!/usr/bin/env bash
# Checks the images eng/images.sh built the way a pod runs them, without a container runtime (eng/podrun.py):
#   - the entrypoint, the numeric user (the pod's uid: fetcher 100:102, operator 65532:65532, as the chart and the
#     operator's builders set them) and the version label;
#   - no shell and no package manager in the root filesystem;
#   - the binaries start in the image's root filesystem as that uid and gid with every capability dropped:
#     both print the version; the fetcher downloads a file from a local HTTP server into a bind-mounted cache
#     volume (sha256 verified, owned by uid 100), and its front binary answers the next run, a cache hit, without
#     the engine; the operator runs against a sandbox API server until /readyz
#     answers, and its process's uid and capability sets are read from /proc.
# Needs root, podman, python3, and the linux-x64 CLI from eng/package.sh (it serves the sandbox).
# usage: eng/check-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(dotnet msbuild src/LlmKube.Cli/LlmKube.Cli.csproj -getProperty:Version)"
fetcher="localhost/llmkube/llmkube-fetch:$version"
operator="localhost/llmkube/llmkube-operator:$version"
cli="$PWD/artifacts/cli/linux-x64/llmkube"
podrun="$PWD/eng/podrun.py"
scratch="$(mktemp -d)"
chmod 755 "$scratch"
containers=()
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for c in "${containers[@]}"; do podman umount "$c" >/dev/null 2>&1 || true; podman rm -f "$c" >/dev/null 2>&1 || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
failures=0
pass() { echo "image PASS: $*"; }
fail() { echo "image FAIL: $*"; failures=$((failures + 1)); }
expect() { # expect WHAT ACTUAL EXPECTED
  if [ "$2" = "$3" ]; then pass "$1 is $3"; else fail "$1 is '$2', expected '$3'"; fi
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
no_capabilities() { # no_capabilities WHAT PODRUN_LINE UID GID: the podrun status line shows the uid, gid and empty sets
  local line="$2" want="uid=$3 gid=$4 groups=- CapInh=0000000000000000 CapPrm=0000000000000000 CapEff=0000000000000000 CapBnd=0000000000000000 CapAmb=0000000000000000 NoNewPrivs=1"
  if [ "$line" = "podrun: $want" ]; then pass "$1 ran as $3:$4 with every capability dropped"; else fail "$1: expected 'podrun: $want', got '$line'"; fi
}
rootfs() { # rootfs IMAGE: mounts a container of IMAGE; its root filesystem is then in $m (no subshell: cleanup sees it)
  local c; c="$(podman create "$1")"; containers+=("$c"); m="$(podman mount "$c")"
}
common_checks() { # common_checks NAME IMAGE UID:GID ENTRYPOINT_JSON VERSION_COMMAND...: metadata, no shell, the version as the pod's user; leaves $m
  local name="$1" image="$2" user="$3" entrypoint="$4" out; shift 4
  expect "$name user" "$(podman image inspect -f '{{.Config.User}}' "$image")" "$user"
  expect "$name entrypoint" "$(podman image inspect -f '{{json .Config.Entrypoint}}' "$image")" "$entrypoint"
  expect "$name version label" "$(podman image inspect -f '{{index .Labels "org.opencontainers.image.version"}}' "$image")" "$version"
  rootfs "$image"
  no_shell "$name" "$m"
  out="$(python3 "$podrun" --root "$m" --user "$user" -- "$@" 2>"$scratch/podrun.err")" || true
  expect "$name --version as uid ${user%%:*}" "$out" "$version"
  no_capabilities "$name --version" "$(head -1 "$scratch/podrun.err")" "${user%%:*}" "${user##*:}"
}
no_shell() { # no_shell WHAT ROOTFS
  local found=()
  for p in bin/sh bin/bash bin/dash bin/ash bin/busybox usr/bin/sh usr/bin/bash usr/bin/dash usr/bin/busybox usr/bin/apt usr/bin/apt-get usr/bin/dpkg; do
    if [ -e "$2/$p" ] || [ -L "$2/$p" ]; then found+=("/$p"); fi
  done
  if [ ${#found[@]} -eq 0 ]; then pass "$1 has no shell and no package manager"; else fail "$1 contains ${found[*]}"; fi
}

# --- fetcher ---
common_checks fetcher "$fetcher" 100:102 '["/usr/local/bin/llmkube-fetch"]' llmkube-fetch --version

# A pod's cache volume (group 102 from fsGroup, as the prep container leaves it) and a model on a local server.
mkdir -p "$scratch/www" "$scratch/models" "$m/models"
head -c 3000000 /dev/urandom > "$scratch/www/model.gguf"
sum="$(sha256sum "$scratch/www/model.gguf" | cut -d' ' -f1)"
chown 0:102 "$scratch/models" && chmod 2770 "$scratch/models"
port="$(free_port)"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$scratch/www" >/dev/null 2>&1 &
pids+=("$!")
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break; sleep 0.1; done
if python3 "$podrun" --root "$m" --user 100:102 --bind "$scratch/models:/models" -- \
    llmkube-fetch fetch --source "http://127.0.0.1:$port/model.gguf" --allow-network 127.0.0.1/32 --dest /models/0123456789abcdef/model.gguf --sha256 "$sum" --progress none \
    >"$scratch/fetch.log" 2>&1 \
  && [ "$(sha256sum "$scratch/models/0123456789abcdef/model.gguf" 2>/dev/null | cut -d' ' -f1)" = "$sum" ] \
  && [ "$(stat -c %u "$scratch/models/0123456789abcdef/model.gguf")" = 100 ]; then
  pass "fetcher as uid 100 without capabilities downloaded a model into a bind-mounted volume (sha256 verified, owned by 100)"
else
  fail "fetcher download as uid 100:"; sed 's/^/    /' "$scratch/fetch.log"
fi
no_capabilities "fetcher fetch" "$(head -1 "$scratch/fetch.log")" 100 102

# The front binary answers the next run, a verified hit, alone: it still succeeds with the engine taken out of the
# image, and anything it must hand on (here a refresh) names the missing engine (src/LlmKube.Fetcher/Front/FrontDoor.cs).
fetch_again() { python3 "$podrun" --root "$m" --user 100:102 --bind "$scratch/models:/models" -- \
  llmkube-fetch fetch --source "http://127.0.0.1:$port/model.gguf" --allow-network 127.0.0.1/32 --dest /models/0123456789abcdef/model.gguf --sha256 "$sum" --progress none "$@"; }
mv "$m/usr/local/libexec/llmkube-fetch" "$scratch/engine"
if fetch_again >"$scratch/hit.log" 2>&1 && grep -q "cache hit: /models/0123456789abcdef/model.gguf (sha256 verified)" "$scratch/hit.log"; then
  pass "fetcher front answered the cache hit without the engine"
else
  fail "fetcher front did not answer the cache hit alone:"; sed 's/^/    /' "$scratch/hit.log"
fi
if ! fetch_again --refresh OnChange >"$scratch/refresh.log" 2>&1 \
  && grep -q "^reason=Internal message=cannot start the fetcher's engine /usr/local/libexec/llmkube-fetch: no such file or directory" "$scratch/refresh.log"; then
  pass "fetcher front hands anything but a hit to the engine at /usr/local/libexec/llmkube-fetch"
else
  fail "fetcher front without the engine, --refresh OnChange:"; sed 's/^/    /' "$scratch/refresh.log"
fi

# --- operator ---
common_checks operator "$operator" 65532:65532 '["dotnet","/app/llmkube-operator.dll"]' dotnet /app/llmkube-operator.dll --version

if [ ! -x "$cli" ]; then
  fail "operator against an API server: $cli is missing (run eng/package.sh --rid linux-x64 first)"
else
  # The sandbox API server with our CRDs (sandbox up also runs an in-process operator; nothing is applied but a namespace).
  printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: image-check\n' > "$scratch/ns.yaml"
  "$cli" sandbox up -f "$scratch/ns.yaml" --kubeconfig "$scratch/kubeconfig" >"$scratch/sandbox.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 600); do grep -q '^kubeconfig:' "$scratch/sandbox.log" && break; sleep 0.1; done
  cp "$scratch/kubeconfig" "$m/tmp/kubeconfig" && chmod 644 "$m/tmp/kubeconfig"
  health="$(free_port)"
  python3 "$podrun" --root "$m" --user 65532:65532 -- dotnet /app/llmkube-operator.dll \
    --kubeconfig /tmp/kubeconfig --health-port "$health" --metrics-port 0 >"$scratch/operator.log" 2>&1 &
  operator_pid="$!"
  pids+=("$operator_pid")
  ready=""
  for _ in $(seq 600); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$health/readyz', timeout=1)" 2>/dev/null; then ready=yes; break; fi
    kill -0 "$operator_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$ready" ]; then
    pass "operator as uid 65532 without capabilities reached /readyz against the sandbox"
    status="$(awk '/^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):/ { printf "%s %s ", $1, $2 }' "/proc/$operator_pid/status")"
    expect "the running operator's /proc status" "$status" "Uid: 65532 Gid: 65532 CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 NoNewPrivs: 1 "
    grep -q "starting llmkube-operator $version" "$scratch/operator.log" && pass "operator start-up line names $version" || fail "operator start-up line without its version: $(grep -m1 starting "$scratch/operator.log")"
  else
    fail "operator did not become ready as uid 65532:"; sed 's/^/    /' "$scratch/operator.log" | tail -20
  fi
fi

if [ "$failures" -gt 0 ]; then
  echo "images: $failures check(s) failed" >&2
  exit 1
fi
echo "images: every check passed"
