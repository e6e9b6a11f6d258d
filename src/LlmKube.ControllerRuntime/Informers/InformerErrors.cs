using System.Net;
using k8s.Autorest;

namespace LlmKube.ControllerRuntime;

/// <summary>Failures of list and watch that are expected in operation and deserve one log line, not a stack trace.</summary>
internal static class InformerErrors
{
    /// <summary>A one-line explanation for failures that need no stack trace, else null.</summary>
    public static string? Explain(Exception e) => e switch
    {
        HttpOperationException { Response.StatusCode: HttpStatusCode.NotFound } => "404 Not Found (is the resource's CustomResourceDefinition installed?)",
        HttpOperationException { Response.StatusCode: HttpStatusCode.Forbidden } http => $"403 Forbidden (the operator's RBAC does not allow it): {http.Response.Content}",
        HttpOperationException { Response.StatusCode: HttpStatusCode.Unauthorized } => "401 Unauthorized (check the credentials)",
        _ => ApiErrors.Describe(e),
    };
}
