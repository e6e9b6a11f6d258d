using System.Globalization;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests.Support;

/// <summary>
/// The operator binary started with the flags of the Deployment <c>helm template</c> rendered (ports replaced by
/// free ones, a kubeconfig and test-speed extras added); stop it with <see cref="OperatorProcess.TerminateAsync"/>.
/// </summary>
internal static class ChartOperator
{
    public static Task<OperatorProcess> StartAsync(IReadOnlyList<string> chartArgs, string kubeconfig, params string[] extra)
    {
        var health = LocalPorts.Free();
        var metrics = LocalPorts.Free();
        var args = chartArgs.Select(a =>
                a.StartsWith("--health-port=", StringComparison.Ordinal) ? $"--health-port={health.ToString(CultureInfo.InvariantCulture)}"
                : a.StartsWith("--metrics-port=", StringComparison.Ordinal) && a != "--metrics-port=0" ? $"--metrics-port={metrics.ToString(CultureInfo.InvariantCulture)}"
                : a)
            .Concat(["--kubeconfig", kubeconfig, .. extra])
            .ToList();
        return OperatorProcess.StartWithArgsAsync(args, health, metrics);
    }
}
