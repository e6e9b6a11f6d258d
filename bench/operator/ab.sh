#!/usr/bin/env bash
# A/B of operator builds: alternating runs of the bench at one size, so a change in the machine's load hits every build.
#
#   bench/operator/ab.sh OUT ROUNDS LABEL=PUBLISH_DIR[;ENV=VALUE;...][;--flag value ...] LABEL=PUBLISH_DIR ...
#   python3 bench/operator/ab_stats.py 'OUT/LABEL-*.md' ...
#
# Each round runs every build once, in the order given, as `OperatorBench.dll $SIZE $NAMESPACES $PAIRS` (defaults
# 1000 20 5), writing OUT/LABEL-ROUND.md. PUBLISH_DIR holds llmkube-operator.dll (dotnet publish, README) or, from
# a Native AOT or self-contained publish, the executable llmkube-operator; what follows a ';' goes to LLMKUBE_BENCH_OPERATOR_ENV, except
# a part starting with '--', which goes to LLMKUBE_BENCH_OPERATOR_ARGS (operator flags, e.g. ';--workers 2'), and one
# starting with '+', which is set for the bench process itself (e.g. ';+LLMKUBE_BENCH_BARE_WATCHES_CHILDREN=1': the
# same operator against the bare loop that also watches its children, alternating with the plain one).
# Needs `dotnet build -c Release bench/operator` first.
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,13p "$0" >&2; exit 2; }
OUT=$1 ROUNDS=$2
shift 2
SIZE=${SIZE:-1000} NAMESPACES=${NAMESPACES:-20} PAIRS=${PAIRS:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH="$ROOT/bench/operator/bin/Release/net10.0/OperatorBench.dll"
[ -f "$BENCH" ] || { echo "build the bench first: dotnet build -c Release bench/operator" >&2; exit 1; }
mkdir -p "$OUT"
for round in $(seq 1 "$ROUNDS"); do
  for spec in "$@"; do
    label=${spec%%=*} rest=${spec#*=}
    dir=${rest%%;*} envs="" args="" bench_env=()
    if [ "$dir" != "$rest" ]; then
      IFS=';' read -ra parts <<< "${rest#*;}"
      for part in "${parts[@]}"; do
        case $part in
          --*) args="$args $part" ;;
          +*=*) bench_env+=("${part#+}") ;;
          +*) echo "$label: '$part' is not +NAME=VALUE" >&2; exit 2 ;;
          *) envs="$envs${envs:+;}$part" ;;
        esac
      done
    fi
    # a framework-dependent publish has llmkube-operator.dll, run with dotnet; a Native AOT publish only the
    # executable, and a self-contained one (it carries libcoreclr.so) cannot run under dotnet: both run as they are
    bin="$dir/llmkube-operator.dll"
    { [ -f "$bin" ] && [ ! -f "$dir/libcoreclr.so" ]; } || bin="$dir/llmkube-operator"
    [ -f "$bin" ] || { echo "$label: neither llmkube-operator.dll nor llmkube-operator in $dir" >&2; exit 1; }
    echo "round $round/$ROUNDS: $label ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))" >&2
    env ${bench_env[@]+"${bench_env[@]}"} LLMKUBE_BENCH_OPERATOR="$bin" LLMKUBE_BENCH_OPERATOR_ENV="$envs" LLMKUBE_BENCH_OPERATOR_ARGS="$args" \
      dotnet "$BENCH" "$SIZE" "$NAMESPACES" "$PAIRS" > "$OUT/$label-$round.md" 2>&1
  done
done
