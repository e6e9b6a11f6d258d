#!/usr/bin/env bash
# Start-up of the installed llmkube CLI beside kubectl, with hyperfine (apt install hyperfine):
#   version --client  (no cluster): kubectl version --client
#   list              (against the sandbox, which serves the examples): kubectl get inferenceservices
# for each way the CLI is installed: the .NET tool (framework-dependent, JIT), the single-file binary as released
# (self-contained, ReadyToRun), the single-file binary without ReadyToRun, and the README's old first command
# (dotnet run --project src/LlmKube.Cli, a single run: it builds first).
# Results go to bench/cli/results/ (markdown tables); the README there records a run and the machine's load.
# usage: bench/cli/run.sh   (builds into bench/cli/work/, which git ignores)
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$PWD/bench/cli/work"
results="$PWD/bench/cli/results"
mkdir -p "$work" "$results"
command -v hyperfine >/dev/null || { echo "bench/cli: hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
kubectl="$(ls /usr/lib/google-cloud-sdk/bin/kubectl.1.3* 2>/dev/null | sort -V | tail -1 || true)"
[ -n "$kubectl" ] || kubectl="$PWD/.tools/bin/kubectl"
[ -x "$kubectl" ] || { echo "bench/cli: no kubectl binary (the image's versioned one, or .ci/run's .tools/bin/kubectl)" >&2; exit 1; }
version="$(dotnet msbuild src/LlmKube.Cli/LlmKube.Cli.csproj -getProperty:Version)"

# The three builds.
bash eng/package.sh --tool --rid linux-x64 --out "$work/release"
dotnet publish src/LlmKube.Cli -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -p:PublishReadyToRun=false \
  -p:DebugType=none -nologo -v quiet -o "$work/jit"
rm -rf "$work/tools"
NUGET_PACKAGES="$work/nuget" dotnet tool install llmkube --version "$version" --tool-path "$work/tools" --add-source "$work/release/packages" >/dev/null
tool="$work/tools/llmkube"
r2r="$work/release/cli/linux-x64/llmkube"
jit="$work/jit/llmkube"

# The sandbox with the examples, serving until the end.
"$r2r" sandbox up -f examples --kubeconfig "$work/sandbox.kubeconfig" >"$work/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true; wait $sandbox 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q '^kubeconfig:' "$work/sandbox.log" && break; sleep 0.1; done
k="$work/sandbox.kubeconfig"

echo "load before the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" | tee "$results/load.txt"
hyperfine -N --warmup 3 --runs 20 --export-markdown "$results/version.md" \
  -n "kubectl version --client" "$kubectl version --client" \
  -n "llmkube version --client (tool)" "$tool version --client" \
  -n "llmkube version --client (single file, ReadyToRun)" "$r2r version --client" \
  -n "llmkube version --client (single file, JIT)" "$jit version --client"
hyperfine -N --warmup 3 --runs 20 --export-markdown "$results/list.md" \
  -n "kubectl get inferenceservices" "$kubectl --kubeconfig $k get inferenceservices" \
  -n "llmkube list (tool)" "$tool list --kubeconfig $k" \
  -n "llmkube list (single file, ReadyToRun)" "$r2r list --kubeconfig $k" \
  -n "llmkube list (single file, JIT)" "$jit list --kubeconfig $k"
hyperfine -N --runs 1 --export-markdown "$results/dotnet-run.md" \
  -n "dotnet run --project src/LlmKube.Cli -- version --client" "dotnet run --project src/LlmKube.Cli -- version --client"
ls -l "$r2r" "$jit" | awk '{ print $5, $9 }' | tee "$results/sizes.txt"
echo "load after the runs: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/load.txt"
