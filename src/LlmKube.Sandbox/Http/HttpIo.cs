using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using Microsoft.AspNetCore.Http;
using YamlDotNet.Core;

namespace LlmKube.Sandbox.Http;

/// <summary>Reading request bodies and writing JSON and Status responses.</summary>
internal static class HttpIo
{
    public const string Json = "application/json";

    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Decodes an object body (JSON, or YAML when the content type says so).</summary>
    public static JsonObject ParseObject(byte[] body, string? contentType)
    {
        if (contentType?.Contains("protobuf", StringComparison.OrdinalIgnoreCase) == true)
        {
            JsonObject? decoded;
            try
            {
                decoded = ProtobufDecoder.Decode(body);
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentException)
            {
                throw ApiException.BadRequest($"malformed protobuf body: {e.Message}");
            }

            return decoded ?? throw ApiException.UnsupportedMediaType(
                "the sandbox decodes protobuf bodies only for Namespace, ConfigMap, Secret, ServiceAccount, RBAC kinds, SelfSubjectAccessReview and SelfSubjectReview; send JSON or YAML (kubectl apply -f, kubectl create -f)");
        }

        try
        {
            var node = contentType?.Contains("yaml", StringComparison.OrdinalIgnoreCase) == true
                ? YamlJson.ParseOne(Encoding.UTF8.GetString(body))
                : JsonUtil.Parse(body);
            return node as JsonObject ?? throw ApiException.BadRequest("the object provided is unrecognized (must be of type object)");
        }
        catch (Exception e) when (e is JsonException or YamlException)
        {
            throw ApiException.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
    }

    public static async Task WriteJsonAsync(HttpContext http, int code, JsonNode body, string contentType = Json)
    {
        await WriteBytesAsync(http, code, JsonUtil.ToBytes(body), contentType).ConfigureAwait(false);
    }

    public static async Task WriteBytesAsync(HttpContext http, int code, ReadOnlyMemory<byte> body, string contentType = Json)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = contentType;
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteStatusAsync(HttpContext http, ApiException error) =>
        WriteJsonAsync(http, error.Code, error.ToStatus());

    public static void AddWarnings(HttpResponse response, IEnumerable<string> warnings)
    {
        foreach (var warning in warnings.Distinct(StringComparer.Ordinal))
        {
            var escaped = warning.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            response.Headers.Append("Warning", $"299 - \"{escaped}\"");
        }
    }

    public static string Query(HttpRequest request, string name) => request.Query[name].ToString();

    public static bool QueryFlag(HttpRequest request, string name) =>
        Query(request, name) is "true" or "1" or "True";

    public static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);
}
