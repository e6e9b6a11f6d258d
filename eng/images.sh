#!/usr/bin/env bash
# Builds the operator and fetcher images with podman from deploy/docker/*.Dockerfile, as CI can: the registries
# that serve the real base images cannot be reached here, and no container can run (harness: `podman run` fails),
# so no RUN step and no SDK image is possible. Instead:
#   - the binaries are published on this host exactly as the Dockerfiles' build stages publish them, into
#     artifacts/images/<image>/linux-<arch>/, and copied in with BINARIES=prebuilt;
#   - two locally made bases stand in for the real ones (RUNTIME_IMAGE):
#       localhost/llmkube-ci/runtime-deps:bookworm  Debian's libc, libstdc++, OpenSSL, zlib and CA certificates,
#                                                   extracted by mmdebstrap (no shell, no package manager), like
#                                                   runtime-deps:10.0-noble-chiseled
#       localhost/llmkube-ci/aspnet:bookworm        the same plus this host's .NET and ASP.NET Core runtimes in
#                                                   /usr/share/dotnet, like aspnet:10.0-noble-chiseled
#     The mmdebstrap tarball is cached outside the repository (LLMKUBE_TOOLS_DIR, else ~/.cache/llmkube-tools).
# Produces localhost/llmkube/llmkube-operator:<version> and localhost/llmkube/llmkube-fetch:<version>;
# eng/check-images.sh checks them. Needs root, podman and mmdebstrap (.ci/run installs them).
# usage: eng/images.sh
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(dotnet msbuild src/LlmKube.Cli/LlmKube.Cli.csproj -getProperty:Version)"
arch="$(podman info --format '{{.Host.Arch}}')"          # amd64 or arm64: the Dockerfiles' TARGETARCH
rid="linux-$([ "$arch" = arm64 ] && echo arm64 || echo x64)"
cache="${LLMKUBE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/llmkube-tools}/images"
mkdir -p "$cache"

# 1. The binaries, with the Dockerfiles' own publish commands.
fetcher_out="artifacts/images/fetcher/linux-$arch"
operator_out="artifacts/images/operator/linux-$arch"
rm -rf "$fetcher_out" "$operator_out"
dotnet publish src/LlmKube.Fetcher -c Release -r "$rid" -p:PublishAot=true -nologo -v quiet -o "$fetcher_out"
dotnet publish src/LlmKube.Fetcher.Front -c Release -r "$rid" -p:PublishAot=true -nologo -v quiet -o "$fetcher_out/front"
dotnet publish src/LlmKube.Operator/LlmKube.Operator.csproj -c Release -r "$rid" --self-contained false \
  -p:PublishReadyToRun=true -p:UseAppHost=false -nologo -v quiet -o "$operator_out"
test -x "$fetcher_out/llmkube-fetch" && test -x "$fetcher_out/front/llmkube-fetch-front" && test -f "$operator_out/llmkube-operator.dll"

# 2. The bases. The runtime-deps tarball is keyed by its package list, so a change rebuilds it.
packages="libc6,libgcc-s1,libstdc++6,libssl3,zlib1g,ca-certificates,tzdata"
base_tar="$cache/runtime-deps-bookworm-$(echo "$packages" | sha256sum | cut -c1-12).tar"
if [ ! -s "$base_tar" ]; then
  echo "images: making the runtime-deps base with mmdebstrap (cached in $base_tar)"
  mmdebstrap --quiet --variant=extract --format=tar --include="$packages" bookworm "$base_tar.tmp"
  mv -f "$base_tar.tmp" "$base_tar"
fi
runtime_deps=localhost/llmkube-ci/runtime-deps:bookworm
podman import --quiet "$base_tar" "$runtime_deps" >/dev/null

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime_version="$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { print $2 }' | sort -V | tail -1)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/usr/share/dotnet/shared" "$stage/usr/share/dotnet/host/fxr" "$stage/usr/bin"
cp -a "$dotnet_root/dotnet" "$stage/usr/share/dotnet/"
cp -a "$dotnet_root/host/fxr/$(ls "$dotnet_root/host/fxr" | sort -V | tail -1)" "$stage/usr/share/dotnet/host/fxr/"
for framework in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
  mkdir -p "$stage/usr/share/dotnet/shared/$framework"
  cp -a "$dotnet_root/shared/$framework/$runtime_version" "$stage/usr/share/dotnet/shared/$framework/"
done
ln -s ../share/dotnet/dotnet "$stage/usr/bin/dotnet"
printf 'FROM %s\nCOPY usr/ /usr/\n' "$runtime_deps" > "$stage/Containerfile"
aspnet=localhost/llmkube-ci/aspnet:bookworm
podman build --quiet -f "$stage/Containerfile" -t "$aspnet" "$stage" >/dev/null

# 3. The images, from the repository's Dockerfiles.
podman build --quiet -f deploy/docker/fetcher.Dockerfile --build-arg TARGETARCH="$arch" --build-arg BINARIES=prebuilt --build-arg RUNTIME_IMAGE="$runtime_deps" \
  -t "localhost/llmkube/llmkube-fetch:$version" . >/dev/null
podman build --quiet -f deploy/docker/operator.Dockerfile --build-arg TARGETARCH="$arch" --build-arg BINARIES=prebuilt --build-arg RUNTIME_IMAGE="$aspnet" \
  -t "localhost/llmkube/llmkube-operator:$version" . >/dev/null
echo "images: built localhost/llmkube/llmkube-fetch:$version and localhost/llmkube/llmkube-operator:$version ($arch)"
