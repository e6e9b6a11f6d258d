namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>Informer options for tests: short backoffs so a failure shows within the test's wait, no resync unless a test asks.</summary>
internal static class FastInformer
{
    public static InformerOptions Options { get; } = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        ResyncPeriod = null,
    };
}
