using k8s;

namespace LlmKube.Cli.Tests.Cluster;

/// <summary>Polls with a deadline instead of sleeping a fixed time.</summary>
internal static class Eventually
{
    public static async Task<T> ThatAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        T last;
        while (true)
        {
            last = await read();
            if (condition(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"timed out waiting for {what}; last seen: {KubernetesJson.Serialize(last)}");
        return last;
    }
}
