using LlmKube.Operator.Configuration;

namespace LlmKube.Operator.Tests;

public sealed class OperatorNamespaceTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"llmkube-sa-namespace-{Guid.NewGuid():N}");

    [Fact]
    public void The_pod_namespace_wins_then_the_service_account_then_the_flag_then_the_default()
    {
        File.WriteAllText(_file, "from-account\n");
        static string? Pod(string name) => name == "POD_NAMESPACE" ? "from-pod" : null;
        static string? None(string name) => null;

        Assert.Equal("from-pod", OperatorNamespace.Resolve("from-flag", Pod, _file));
        Assert.Equal("from-account", OperatorNamespace.Resolve("from-flag", None, _file));
        Assert.Equal("from-flag", OperatorNamespace.Resolve("from-flag", None, _file + ".missing"));
        Assert.Equal("llmkube-system", OperatorNamespace.Resolve(null, None, _file + ".missing"));
    }

    public void Dispose() => File.Delete(_file);
}
