using System.IO.Pipelines;
using System.Text;
using System.Text.Json.Nodes;

namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>
/// Adds to every object in the sandbox's GET answers (lists, and each line of a watch) the managedFields a real API
/// server sends, in the bytes, before the client reads them; with <paramref name="garble"/>, a string instead for
/// an object whose name starts with "garbled".
/// </summary>
internal sealed class ManagedFieldsOnTheWire(bool garble) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method != HttpMethod.Get || !response.IsSuccessStatusCode)
        {
            return response;
        }

        var original = response.Content;
        var headers = original.Headers.ToList();
        var body = await original.ReadAsStreamAsync(cancellationToken);
        HttpContent content;
        if (request.RequestUri!.Query.Contains("watch=true", StringComparison.Ordinal))
        {
            var pipe = new Pipe();
            _ = Task.Run(async () =>
            {
                using var reader = new StreamReader(body);
                try
                {
                    while (await reader.ReadLineAsync(cancellationToken) is { } line)
                    {
                        var node = JsonNode.Parse(line)!;
                        Add(node["object"]);
                        if ((await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(node.ToJsonString() + "\n"), cancellationToken)).IsCompleted)
                        {
                            break;
                        }
                    }

                    await pipe.Writer.CompleteAsync();
                }
                catch (Exception e)
                {
                    await pipe.Writer.CompleteAsync(e);
                }
                finally
                {
                    original.Dispose();
                }
            }, CancellationToken.None);
            content = new StreamContent(pipe.Reader.AsStream());
        }
        else
        {
            var node = (await JsonNode.ParseAsync(body, cancellationToken: cancellationToken))!;
            foreach (var item in node["items"] is JsonArray items ? items : [node])
            {
                Add(item);
            }

            content = new StringContent(node.ToJsonString());
            original.Dispose();
        }

        foreach (var header in headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = content;
        return response;
    }

    private void Add(JsonNode? obj)
    {
        if (obj?["metadata"] is JsonObject metadata)
        {
            metadata["managedFields"] = garble && metadata["name"]?.GetValue<string>().StartsWith("garbled", StringComparison.Ordinal) == true
                ? "not a list"
                : JsonNode.Parse("""[{"manager":"test","operation":"Update","apiVersion":"v1","time":"2026-12-07T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{".":{},"f:size":{}}}}]""");
        }
    }
}
