# syntax=docker/dockerfile:1
# llmkube-operator: framework-dependent build on the ASP.NET Core runtime (the health and metrics endpoints
# use Kestrel), chiseled Ubuntu base (no shell, no package manager), non-root user 1654 ("app").
# Build from the repository root (see deploy/docker/README.md):
#   docker build -f deploy/docker/operator.Dockerfile -t ghcr.io/llmkube/llmkube-operator:0.1.0 .

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
# Restore first, from the project files only, so the package layer is cached across source changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/LlmKube.Api/LlmKube.Api.csproj src/LlmKube.Api/
COPY src/LlmKube.ControllerRuntime/LlmKube.ControllerRuntime.csproj src/LlmKube.ControllerRuntime/
COPY src/LlmKube.Operator/LlmKube.Operator.csproj src/LlmKube.Operator/
RUN dotnet restore src/LlmKube.Operator/LlmKube.Operator.csproj
COPY src/LlmKube.Api/ src/LlmKube.Api/
COPY src/LlmKube.ControllerRuntime/ src/LlmKube.ControllerRuntime/
COPY src/LlmKube.Operator/ src/LlmKube.Operator/
RUN dotnet publish src/LlmKube.Operator/LlmKube.Operator.csproj -c Release --no-restore -p:UseAppHost=false -o /out

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
WORKDIR /app
COPY --from=build /out/ ./
# Numeric, so the kubelet can enforce runAsNonRoot; the chart sets the same uid/gid.
USER 1654:1654
# 8080 /metrics, 8081 /healthz and /readyz (the chart's defaults).
EXPOSE 8080 8081
ENTRYPOINT ["dotnet", "/app/llmkube-operator.dll"]
