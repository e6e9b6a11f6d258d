# syntax=docker/dockerfile:1
# llmkube-operator: framework-dependent build on the ASP.NET Core runtime (the health and metrics endpoints
# use Kestrel), compiled ReadyToRun (bench/operator: start-up to ready with 1,000 objects ~1.6 s against ~4 s with
# JIT only), chiseled Ubuntu base (no shell, no package manager), non-root user 65532.
# Build from the repository root (see deploy/docker/README.md):
#   docker build -f deploy/docker/operator.Dockerfile -t ghcr.io/llmkube/llmkube-operator:0.2.0 .
# The base images are arguments so a mirror (or CI's locally made base) can stand in for them; BINARIES=prebuilt
# takes a build published on the host (artifacts/images/operator/linux-$TARGETARCH/, as eng/images.sh lays it out)
# instead of compiling in the SDK image, and the SDK stage is then never pulled.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
ARG BINARIES=build

FROM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
# Restore first, from the project files only, so the package layer is cached across source changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/LlmKube.Api/LlmKube.Api.csproj src/LlmKube.Api/
COPY src/LlmKube.Contracts/LlmKube.Contracts.csproj src/LlmKube.Contracts/
COPY src/LlmKube.Core/LlmKube.Core.csproj src/LlmKube.Core/
COPY src/LlmKube.ControllerRuntime/LlmKube.ControllerRuntime.csproj src/LlmKube.ControllerRuntime/
COPY src/LlmKube.Operator.Runtime/LlmKube.Operator.Runtime.csproj src/LlmKube.Operator.Runtime/
COPY src/LlmKube.Operator/LlmKube.Operator.csproj src/LlmKube.Operator/
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet restore src/LlmKube.Operator/LlmKube.Operator.csproj -r "$RID" -p:PublishReadyToRun=true
COPY src/LlmKube.Api/ src/LlmKube.Api/
COPY src/LlmKube.Contracts/ src/LlmKube.Contracts/
COPY src/LlmKube.Core/ src/LlmKube.Core/
COPY src/LlmKube.ControllerRuntime/ src/LlmKube.ControllerRuntime/
COPY src/LlmKube.Operator.Runtime/ src/LlmKube.Operator.Runtime/
COPY src/LlmKube.Operator/ src/LlmKube.Operator/
RUN RID="linux-$([ "$TARGETARCH" = arm64 ] && echo arm64 || echo x64)" \
 && dotnet publish src/LlmKube.Operator/LlmKube.Operator.csproj -c Release -r "$RID" --self-contained false \
      -p:PublishReadyToRun=true -p:UseAppHost=false --no-restore -o /out

FROM scratch AS prebuilt
ARG TARGETARCH
COPY artifacts/images/operator/linux-${TARGETARCH}/ /out/

FROM ${BINARIES} AS binaries

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.2.0
LABEL org.opencontainers.image.title="llmkube-operator" \
      org.opencontainers.image.description="Kubernetes operator that serves LLMs with llama.cpp and manages where their weights are cached" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/llmkube/llmkube"
WORKDIR /app
COPY --from=binaries /out/ ./
# Numeric, so the kubelet can enforce runAsNonRoot; the chart's podSecurityContext sets the same uid/gid.
USER 65532:65532
# 8080 /metrics, 8081 /healthz and /readyz (the chart's defaults).
EXPOSE 8080 8081
ENTRYPOINT ["dotnet", "/app/llmkube-operator.dll"]
