# syntax=docker/dockerfile:1
# llmkube-fetch: two Native AOT binaries on the chiseled runtime-deps base (glibc, OpenSSL, CA certificates; no
# shell, no .NET runtime): /usr/local/bin/llmkube-fetch, the small front binary that answers a verified cache hit
# itself, and /usr/local/libexec/llmkube-fetch, the engine it execs for everything else
# (src/LlmKube.Fetcher/Front/FrontDoor.cs). It runs as uid 100, gid 102, the ids the
# operator's builders assume (model-cache-prep overrides it with uid 0 and CHOWN/FOWNER only).
# Build from the repository root (see deploy/docker/README.md):
#   docker build -f deploy/docker/fetcher.Dockerfile -t ghcr.io/llmkube/llmkube-fetch:0.2.0 .
# The base images are arguments so a mirror (or CI's locally made base) can stand in for them; BINARIES=prebuilt
# takes the binaries published on the host (artifacts/images/fetcher/linux-$TARGETARCH/, as eng/images.sh lays them
# out) instead of compiling in the SDK image, and the SDK stage is then never pulled.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble-aot
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled
ARG BINARIES=build

# The -aot SDK image carries clang and the native libraries Native AOT links against.
FROM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/LlmKube.Contracts/LlmKube.Contracts.csproj src/LlmKube.Contracts/
COPY src/LlmKube.Fetcher/LlmKube.Fetcher.csproj src/LlmKube.Fetcher/Fetcher.Build.props src/LlmKube.Fetcher/
COPY src/LlmKube.Fetcher.Front/LlmKube.Fetcher.Front.csproj src/LlmKube.Fetcher.Front/
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet restore src/LlmKube.Fetcher/LlmKube.Fetcher.csproj -r "$RID" -p:PublishAot=true \
 && dotnet restore src/LlmKube.Fetcher.Front/LlmKube.Fetcher.Front.csproj -r "$RID" -p:PublishAot=true
COPY src/LlmKube.Contracts/ src/LlmKube.Contracts/
COPY src/LlmKube.Fetcher/ src/LlmKube.Fetcher/
COPY src/LlmKube.Fetcher.Front/ src/LlmKube.Fetcher.Front/
# The fetcher README's publish commands, with --no-restore.
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet publish src/LlmKube.Fetcher -c Release -r "$RID" -p:PublishAot=true --no-restore -o /out \
 && dotnet publish src/LlmKube.Fetcher.Front -c Release -r "$RID" -p:PublishAot=true --no-restore -o /out/front \
 && test -x /out/llmkube-fetch && test -x /out/front/llmkube-fetch-front

FROM scratch AS prebuilt
ARG TARGETARCH
COPY artifacts/images/fetcher/linux-${TARGETARCH}/llmkube-fetch /out/llmkube-fetch
COPY artifacts/images/fetcher/linux-${TARGETARCH}/front/llmkube-fetch-front /out/front/llmkube-fetch-front

FROM ${BINARIES} AS binaries

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.2.0
LABEL org.opencontainers.image.title="llmkube-fetch" \
      org.opencontainers.image.description="Fills the llmkube model cache: the model-cache-prep and model-downloader init containers" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/llmkube/llmkube"
COPY --from=binaries /out/front/llmkube-fetch-front /usr/local/bin/llmkube-fetch
COPY --from=binaries /out/llmkube-fetch /usr/local/libexec/llmkube-fetch
ENV PATH=/usr/local/bin:/usr/bin:/bin
USER 100:102
ENTRYPOINT ["/usr/local/bin/llmkube-fetch"]
