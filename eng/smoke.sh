#!/usr/bin/env bash
# Smoke test of what eng/package.sh made, as a user would run it (CI runs it after packaging):
#   the linux-x64 single-file binary: version, render of every example, deploy --dry-run of a catalog id,
#   completion bash accepted by bash, sandbox up --once settling the examples;
#   the tool package: dotnet tool install into a scratch tool path, then the installed llmkube.
# usage: eng/smoke.sh [ARTIFACTS_DIR]   (default: artifacts)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(cd "${1:-artifacts}" && pwd)"
version="$(dotnet msbuild src/LlmKube.Cli/LlmKube.Cli.csproj -getProperty:Version)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failures=0
check() { # check NAME COMMAND...: runs it, prints PASS/FAIL with its output on failure
  local name="$1"; shift
  if "$@" >"$scratch/out" 2>&1; then
    echo "smoke PASS: $name"
  else
    echo "smoke FAIL: $name"; sed 's/^/    /' "$scratch/out"; failures=$((failures + 1))
  fi
}
expect_line() { # expect_line EXPECTED COMMAND...: the command's stdout is exactly EXPECTED
  local expected="$1"; shift
  local actual; actual="$("$@")"
  [ "$actual" = "$expected" ] || { echo "expected '$expected', got '$actual'"; return 1; }
}

bin="$out/cli/linux-x64/llmkube"
if [ -x "$bin" ]; then
  check "binary: llmkube version --client is $version" expect_line "Client Version: $version" "$bin" version --client
  for example in examples/*.yaml; do
    check "binary: llmkube render -f $example" "$bin" render -f "$example"
  done
  check "binary: deploy phi-4-mini --dry-run -o yaml has upstream's source" \
    bash -c "'$bin' deploy phi-4-mini --dry-run -o yaml | grep -qx '    source: https://huggingface.co/bartowski/microsoft_Phi-4-mini-instruct-GGUF/resolve/main/microsoft_Phi-4-mini-instruct-Q5_K_M.gguf'"
  check "binary: completion bash is valid bash" bash -c "'$bin' completion bash > '$scratch/completion.bash' && bash -n '$scratch/completion.bash'"
  check "binary: sandbox up --once settles the examples" "$bin" sandbox up --once -f examples --kubeconfig "$scratch/sandbox.kubeconfig"
else
  echo "smoke FAIL: $bin does not exist (run eng/package.sh --rid linux-x64 first)"; failures=$((failures + 1))
fi

package="$out/packages/llmkube.$version.nupkg"
if [ -f "$package" ]; then
  # The user's command, into a scratch tool path and with a scratch NuGet cache so nothing stale is reused.
  check "tool: dotnet tool install llmkube $version" env NUGET_PACKAGES="$scratch/nuget" \
    dotnet tool install llmkube --version "$version" --tool-path "$scratch/tools" --add-source "$out/packages"
  check "tool: installed llmkube version --client is $version" expect_line "Client Version: $version" "$scratch/tools/llmkube" version --client
  check "tool: installed llmkube render -f examples/quickstart.yaml" "$scratch/tools/llmkube" render -f examples/quickstart.yaml
else
  echo "smoke FAIL: $package does not exist (run eng/package.sh --tool first)"; failures=$((failures + 1))
fi

if [ "$failures" -gt 0 ]; then
  echo "smoke: $failures check(s) failed" >&2
  exit 1
fi
echo "smoke: every check passed"
