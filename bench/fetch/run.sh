#!/usr/bin/env bash
# Benchmark of llmkube-fetch against curl and aria2c: nginx on loopback, a 2 GiB file, methods run round-robin.
# Usage: bench/fetch/run.sh [REPS] ; env SIZE_MIB (default 2048), PORT (default 18080), SKIP_BUILD=1,
# BASELINE_BIN=/path/to/an/older/llmkube-fetch (adds method llmkube_fetch_baseline, same run, same rotation) with
# BASELINE_ARGS (extra flags, e.g. "--allow-network 127.0.0.1 --fsync false"), ONLY="name name" (run only these
# methods: ONLY="llmkube_fetch llmkube_fetch_baseline" gives alternating A/B pairs, one pair per repetition),
# BASELINE_SOURCE=stream (the baseline downloads from the server without ranges, as llmkube_fetch_stream does).
# Needs: nginx-light aria2 curl openssl (apt-get install -y nginx-light aria2 curl openssl), python3, dotnet SDK.
set -euo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
REPO=$(cd ../.. && pwd)
REPS=${1:-5}
SIZE_MIB=${SIZE_MIB:-2048}
PORT=${PORT:-18080}
W=$HERE/work
mkdir -p "$W"/www "$W"/out "$W"/nginx/logs "$W"/bin "$W"/libexec
for tool in nginx aria2c curl openssl python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y nginx-light aria2 curl openssl python3 time" >&2; exit 1; }
done

# The image's layout (deploy/docker/fetcher.Dockerfile): bin/llmkube-fetch is the front binary, which answers a cache
# hit itself and execs the engine, libexec/llmkube-fetch, for everything else. Every method below runs the front.
if [ "${SKIP_BUILD:-}" != 1 ] || [ ! -x "$W/bin/llmkube-fetch" ] || [ ! -x "$W/libexec/llmkube-fetch" ]; then
  echo "building the Native AOT binaries (engine and front)..." >&2
  rm -rf "$W/build"
  dotnet publish "$REPO/src/LlmKube.Fetcher" -c Release -r linux-x64 -p:PublishAot=true -o "$W/build/engine" >/dev/null
  dotnet publish "$REPO/src/LlmKube.Fetcher.Front" -c Release -r linux-x64 -p:PublishAot=true -o "$W/build/front" >/dev/null
  install -m 0755 "$W/build/engine/llmkube-fetch" "$W/libexec/llmkube-fetch"
  install -m 0755 "$W/build/front/llmkube-fetch-front" "$W/bin/llmkube-fetch"
fi
FETCH=$W/bin/llmkube-fetch

FILE=$W/www/model.gguf
if [ ! -f "$FILE" ] || [ "$(stat -c %s "$FILE")" != $((SIZE_MIB * 1048576)) ]; then
  echo "creating a ${SIZE_MIB} MiB file..." >&2
  # openssl dies of SIGPIPE when head has enough: only head's status counts here.
  (set +o pipefail; openssl enc -aes-128-ctr -pass pass:x -nosalt -pbkdf2 </dev/zero 2>/dev/null | head -c $((SIZE_MIB * 1048576)) > "$FILE")
fi
SHA=$(openssl dgst -sha256 -r "$FILE" | cut -d' ' -f1)
chmod -R a+rX "$W/www"; chmod a+x "$W"

cat > "$W/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $W/nginx/tb; proxy_temp_path $W/nginx/tp; fastcgi_temp_path $W/nginx/tf;
  uwsgi_temp_path $W/nginx/tu; scgi_temp_path $W/nginx/ts;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  server { listen 127.0.0.1:$PORT; root $W/www; }
  server { listen 127.0.0.1:$((PORT + 1)); root $W/www; max_ranges 0; }
}
CONF
nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/logs/error.log" &
NGINX=$!
trap 'kill -QUIT $NGINX 2>/dev/null || true' EXIT INT TERM PIPE HUP
sleep 1
URL=http://127.0.0.1:$PORT/model.gguf
# The same file from a server without ranges: the fetcher's single-stream path.
STREAM_URL=http://127.0.0.1:$((PORT + 1))/model.gguf
# nginx listens on loopback, which the fetcher refuses by default (SSRF policy, docs/SECURITY.md): allow exactly it.
ALLOW="--allow-network 127.0.0.1"
cat "$FILE" > /dev/null # server side warm (page cache)

# name|command|output file to check
METHODS=(
  "curl|curl -s -o $W/out/f $URL|$W/out/f"
  "curl_devnull|curl -s -o /dev/null $URL|"
  "curl_sha256_sync|curl -s -o $W/out/f $URL && openssl dgst -sha256 $W/out/f >/dev/null && sync $W/out/f|$W/out/f"
  "aria2c_x8|aria2c -q -x8 -s8 --allow-overwrite=true --auto-file-renaming=false -d $W/out -o f $URL|$W/out/f"
  "llmkube_fetch|$FETCH fetch --source $URL --dest $W/out/k/model.gguf --sha256 $SHA --progress none $ALLOW|$W/out/k/model.gguf"
  "llmkube_fetch_nofsync|$FETCH fetch --source $URL --dest $W/out/k/model.gguf --sha256 $SHA --progress none --fsync false $ALLOW|$W/out/k/model.gguf"
  "llmkube_fetch_stream|$FETCH fetch --source $STREAM_URL --dest $W/out/k/model.gguf --sha256 $SHA --progress none $ALLOW|$W/out/k/model.gguf"
)
# The limits, in the same rotation, on the same bytes (the server's file, in the page cache like nginx's): what the
# disk takes for durable direct writes and for buffered ones, and what one core hashes. A pipeline that overlaps
# network, hashing and disk cannot beat the slowest of its stages (summarize.py puts that limit beside each method).
METHODS+=(
  "limit_disk_direct|dd if=$FILE of=$W/out/f bs=4M oflag=direct conv=fsync status=none|$W/out/f"
  "limit_disk_buffered|dd if=$FILE of=$W/out/f bs=64K status=none|$W/out/f"
  "limit_sha256|openssl dgst -sha256 $FILE >/dev/null|"
)
if [ -n "${BASELINE_BIN:-}" ]; then
  # An older build, for a same-run comparison (it may not know --allow-network: it gets no flag it did not have).
  BASELINE_URL=$URL
  [ "${BASELINE_SOURCE:-}" = stream ] && BASELINE_URL=$STREAM_URL
  METHODS+=("llmkube_fetch_baseline|$BASELINE_BIN fetch --source $BASELINE_URL --dest $W/out/k/model.gguf --sha256 $SHA --progress none ${BASELINE_ARGS:-}|$W/out/k/model.gguf")
fi
if [ -n "${ONLY:-}" ]; then
  SELECTED=()
  for m in "${METHODS[@]}"; do [[ " $ONLY " == *" ${m%%|*} "* ]] && SELECTED+=("$m"); done
  METHODS=("${SELECTED[@]}")
fi
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

CSV=$W/results.csv
echo "rep,method,wall_s,user_s,sys_s,maxrss_kb" > "$CSV"
# What the fetcher's done line says its stages were busy with (src/LlmKube.Fetcher/README.md, "Publish"); older
# builds print no such figures and get no row.
STAGES=$W/stages.csv
echo "rep,method,sha256_s,disk_s,publish_s" > "$STAGES"
for rep in $(seq 1 "$REPS"); do
  for m in "${METHODS[@]}"; do
    IFS='|' read -r name cmd out <<<"$m"
    rm -rf "$W/out"/*; sync; sleep 1
    /usr/bin/time -o "$W/time.txt" -f '%e,%U,%S,%M' bash -c "$cmd" 2>"$W/stderr.txt" || { echo "$name failed:" >&2; cat "$W/stderr.txt" >&2; exit 1; }
    if [ -n "$out" ]; then
      [ "$(stat -c %s "$out")" = "$(stat -c %s "$FILE")" ] || { echo "$name: wrong size" >&2; exit 1; }
      if [ "$rep" = 1 ]; then cmp -s "$out" "$FILE" || { echo "$name: content differs" >&2; exit 1; }; fi
    fi
    echo "$rep,$name,$(cat "$W/time.txt")" >> "$CSV"
    sed -nE "s/.*busy: sha256 ([0-9.]+)s, disk I\/O ([0-9.]+)s, [a-z ]+ ([0-9.]+)s\).*/$rep,$name,\1,\2,\3/p" "$W/stderr.txt" >> "$STAGES"
    echo "rep $rep $name $(cat "$W/time.txt")" >&2
  done
done

# Cache hit: the file and its sidecar are present (left by one last download); 3 warm-ups, then 20 timed runs.
rm -rf "$W/out"/*
"$FETCH" fetch --source "$URL" --dest "$W/out/k/model.gguf" --sha256 "$SHA" --progress none $ALLOW 2>/dev/null
HITS=$W/hits.csv
echo "what,run,wall_s" > "$HITS"
# posix_spawn + wait4 from python: the timing adds no shell or /usr/bin/time process of its own.
python3 "$HERE/hits.py" "$HITS" 20 -- "$FETCH" fetch --source "$URL" --dest "$W/out/k/model.gguf" --sha256 "$SHA" $ALLOW
/usr/bin/time -o "$W/hit-rss.txt" -f '%M' "$FETCH" fetch --source "$URL" --dest "$W/out/k/model.gguf" --sha256 "$SHA" $ALLOW 2>/dev/null
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 "$HERE/summarize.py" "$CSV" "$HITS" "$SIZE_MIB" "$(cat "$W/hit-rss.txt")" "$STAGES"
