using LlmKube.Core;

namespace LlmKube.Cli.Render;

/// <summary>What render simulates: the operator's settings, the namespace for objects without one, and claims to treat as missing.</summary>
internal sealed record RenderRequest(WorkloadSettings Settings, string DefaultNamespace, IReadOnlySet<string> MissingClaims);
