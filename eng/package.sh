#!/usr/bin/env bash
# Packages the llmkube CLI, the way a release ships it:
#   - the .NET tool package      artifacts/packages/llmkube.<version>.nupkg
#       dotnet tool install -g llmkube --add-source artifacts/packages   (needs the .NET 10 runtime)
#   - self-contained single-file binaries, one per RID (no .NET needed), ReadyToRun-compiled for start-up:
#       artifacts/cli/llmkube-<version>-<rid>.tar.gz (.zip for win-*), with the binary beside it in artifacts/cli/<rid>/
#   - artifacts/cli/SHA256SUMS over the archives and the tool package.
# usage: eng/package.sh [--tool] [--rid RID]... [--out DIR] [--no-ready-to-run]
#   no --tool/--rid: the tool and every release RID (linux-x64 linux-arm64 osx-arm64 win-x64).
#   --no-ready-to-run: JIT-only binaries (CI: crossgen2 of the self-contained CLI costs several CPU-minutes, and the
#     release workflow builds and smoke-tests the ReadyToRun ones; bench/cli measures both).
# A RID whose runtime pack the NuGet feed does not serve is skipped with a message naming it (exit 0); any other
# failure stops the script.
set -euo pipefail
cd "$(dirname "$0")/.."

RELEASE_RIDS=(linux-x64 linux-arm64 osx-arm64 win-x64)
out=artifacts
tool=false
ready_to_run=true
rids=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tool) tool=true ;;
    --rid) rids+=("$2"); shift ;;
    --out) out="$2"; shift ;;
    --no-ready-to-run) ready_to_run=false ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "eng/package.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$tool" = false ] && [ ${#rids[@]} -eq 0 ]; then
  tool=true
  rids=("${RELEASE_RIDS[@]}")
fi

version="$(dotnet msbuild src/LlmKube.Cli/LlmKube.Cli.csproj -getProperty:Version)"
mkdir -p "$out/packages" "$out/cli"
out="$(cd "$out" && pwd)"
echo "llmkube $version -> $out"

if [ "$tool" = true ]; then
  rm -f "$out/packages/llmkube.$version.nupkg"
  dotnet pack src/LlmKube.Cli/LlmKube.Cli.csproj -c Release -o "$out/packages" -nologo -v quiet
  test -f "$out/packages/llmkube.$version.nupkg"
  echo "tool package: $out/packages/llmkube.$version.nupkg"
fi

for rid in "${rids[@]}"; do
  log="$out/cli/publish-$rid.log"
  # Restore first: a feed without this RID's runtime pack is a reason to skip, not to fail.
  if ! dotnet restore src/LlmKube.Cli/LlmKube.Cli.csproj -r "$rid" -p:PublishReadyToRun="$ready_to_run" -p:SelfContained=true >"$log" 2>&1; then
    if grep -qE 'NU110[12].*(Microsoft\.(NETCore|AspNetCore)\.App\.(Runtime|Host|Crossgen2)|Microsoft\.NETCore\.App\.Crossgen2)' "$log"; then
      echo "SKIPPED $rid: the NuGet feed does not serve its runtime pack ($(grep -oE 'NU110[12][^.]*' "$log" | head -1)); nothing was built for it" >&2
      continue
    fi
    cat "$log" >&2
    echo "eng/package.sh: restore for $rid failed (log above)" >&2
    exit 1
  fi
  dir="$out/cli/$rid"
  rm -rf "$dir"
  if ! dotnet publish src/LlmKube.Cli/LlmKube.Cli.csproj -c Release -r "$rid" --self-contained --no-restore -nologo \
      -p:PublishSingleFile=true -p:PublishReadyToRun="$ready_to_run" -p:DebugType=none -p:GenerateDocumentationFile=false \
      -o "$dir" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "eng/package.sh: publish for $rid failed (log above)" >&2
    exit 1
  fi
  exe=llmkube
  case "$rid" in win-*) exe=llmkube.exe ;; esac
  # Only the binary ships (the referenced projects' runtimeconfig files are not needed by a single file).
  find "$dir" -mindepth 1 ! -name "$exe" -delete
  test -x "$dir/$exe" || { echo "eng/package.sh: $dir/$exe was not produced" >&2; exit 1; }
  archive="llmkube-$version-$rid"
  case "$rid" in
    win-*) (cd "$dir" && python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); z.write(sys.argv[2]); z.close()' "$out/cli/$archive.zip" "$exe") ;;
    *) tar -C "$dir" -czf "$out/cli/$archive.tar.gz" "$exe" ;;
  esac
  rm -f "$log"
  echo "binary: $dir/$exe ($(du -h "$dir/$exe" | cut -f1)), archive: $out/cli/$archive.*"
done

(cd "$out" && find cli packages -maxdepth 1 -type f \( -name '*.tar.gz' -o -name '*.zip' -o -name '*.nupkg' \) -print0 | sort -z | xargs -0 -r sha256sum) > "$out/cli/SHA256SUMS"
echo "checksums: $out/cli/SHA256SUMS"
