namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>Tests skip only when an external binary is missing; CI installs them (see src/LlmKube.Fetcher/README.md).</summary>
public static class Requires
{
    public static void Binary(string name) =>
        Skip.If(TestData.Which(name) is null, $"'{name}' is not installed here (CI installs it: see src/LlmKube.Fetcher/README.md)");
}
