using System.Net;
using k8s.Autorest;

namespace LlmKube.ControllerRuntime;

/// <summary>Reads where a missing object is an answer, not an error.</summary>
public static class NotFound
{
    /// <summary>The result of <paramref name="read"/>, or null when the API server answers 404.</summary>
    public static async Task<T?> OrNullAsync<T>(Func<Task<T>> read)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
