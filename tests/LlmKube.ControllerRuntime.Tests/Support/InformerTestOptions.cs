namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>Informer options the informer tests share (imported with <c>using static</c>).</summary>
internal static class InformerTestOptions
{
    /// <summary>Short backoffs so a failure shows within the test's wait, no resync unless a test asks.</summary>
    public static InformerOptions Fast { get; } = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        ResyncPeriod = null,
    };
}
