using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Failures that are answers, not bugs: an API server's status (409, 404, 422, 403, 5xx …), an unreachable
/// server, or one that did not answer in time. They are logged as one line (status, request, the server's message);
/// a stack trace would only show the client call site. Anything else is a defect and keeps its stack trace.
/// </summary>
public static class ApiErrors
{
    private const int MaxMessage = 500;

    /// <summary>One line describing an expected failure, or null when <paramref name="e"/> is not one.</summary>
    public static string? Describe(Exception? e) => e switch
    {
        HttpOperationException http => Describe(http),
        HttpRequestException or IOException => $"API server unreachable: {e.Message}",
        TimeoutException => $"API server did not answer in time: {e.Message}",
        _ => null,
    };

    /// <summary>
    /// The server's message when <paramref name="e"/> is an answer that retrying the same request cannot change
    /// (400 Bad Request, 403 Forbidden, 422 Invalid); null otherwise (409, 404, 5xx and unreachable servers are
    /// worth retrying). The caller reports it and waits for a change (or the resync) instead of retrying.
    /// </summary>
    public static string? Permanent(Exception? e) => e is HttpOperationException http
        && http.Response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity
            ? $"HTTP {(int)http.Response.StatusCode}: {StatusMessage(http.Response.Content) ?? http.Response.ReasonPhrase ?? http.Response.StatusCode.ToString()}"
            : null;

    /// <summary><paramref name="e"/> when its stack trace is worth logging (a defect), null for an expected failure.</summary>
    public static Exception? StackWorthy(Exception? e) => Describe(e) is null ? e : null;

    private static string Describe(HttpOperationException e)
    {
        var code = (int)e.Response.StatusCode;
        var request = e.Request is { } r ? $" from {r.Method} {r.RequestUri?.AbsolutePath}" : string.Empty;
        var message = StatusMessage(e.Response.Content);
        return $"HTTP {code} {e.Response.ReasonPhrase ?? e.Response.StatusCode.ToString()}{request}{(message is null ? string.Empty : ": " + message)}";
    }

    /// <summary>The <c>message</c> of a <c>metav1.Status</c> body, else the body itself, shortened to one line.</summary>
    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        var text = body;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                text = m.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= MaxMessage ? text : text[..MaxMessage] + "…";
    }
}
