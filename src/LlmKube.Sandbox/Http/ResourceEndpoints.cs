using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Rbac;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Selectors;
using LlmKube.Sandbox.Storage;
using LlmKube.Sandbox.Tables;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Sandbox.Http;

/// <summary>Maps each verb of a resource request to the registry operation and writes the answer.</summary>
internal sealed class ResourceEndpoints
{
    private readonly ResourceService _service;
    private readonly WatchStreamer _watch;
    private readonly RbacAuthorizer _authorizer;
    private readonly TimeProvider _time;

    public ResourceEndpoints(ResourceService service, WatchStreamer watch, RbacAuthorizer authorizer, TimeProvider time)
    {
        _service = service;
        _watch = watch;
        _authorizer = authorizer;
        _time = time;
    }

    public async Task HandleAsync(HttpContext http, ResourceRequest r, ResourceType type, UserInfo user, CancellationToken stopping)
    {
        CheckShape(r, type);
        var request = http.Request;
        var subresource = r.Subresource switch
        {
            "status" => Subresource.Status,
            "scale" => Subresource.Scale,
            _ => Subresource.None,
        };
        if (type.CreateOnly)
        {
            await ReviewAsync(http, r, type, user).ConfigureAwait(false);
            return;
        }


        switch (r.Verb)
        {
            case "get":
                var stored = _service.Get(type, r.Namespace, r.Name);
                if (subresource == Subresource.Scale)
                {
                    await HttpIo.WriteJsonAsync(http, 200, ResourceService.Scale(type, stored)).ConfigureAwait(false);
                }
                else if (HttpIo.WantsTable(request))
                {
                    var table = TableBuilder.Build(type, [Presenter.Object(type, stored)], _time.GetUtcNow(), HttpIo.Query(request, "includeObject"), true, null);
                    await HttpIo.WriteJsonAsync(http, 200, table, TableBuilder.ContentType).ConfigureAwait(false);
                }
                else
                {
                    await HttpIo.WriteBytesAsync(http, 200, Presenter.Bytes(type, stored)).ConfigureAwait(false);
                }

                break;
            case "list":
                await ListAsync(http, r, type).ConfigureAwait(false);
                break;
            case "watch":
                var fields = Fields(request, type);
                if (r.Name.Length > 0)
                {
                    fields = FieldSelector.Parse(Combine(HttpIo.Query(request, "fieldSelector"), $"metadata.name={r.Name}"), Rename(type));
                }

                await _watch.StreamAsync(http, type, Scope(r), LabelSelector.Parse(HttpIo.Query(request, "labelSelector")), fields, stopping).ConfigureAwait(false);
                break;
            case "create":
                await CreateAsync(http, r, type, user).ConfigureAwait(false);
                break;
            case "update":
                await UpdateAsync(http, r, type, user, subresource).ConfigureAwait(false);
                break;
            case "patch":
                await PatchAsync(http, r, type, user, subresource).ConfigureAwait(false);
                break;
            case "delete":
                var options = await DeleteOptionsAsync(http).ConfigureAwait(false);
                var outcome = _service.Delete(type, r.Namespace, r.Name, options, Context(request, user));
                await WriteDeletedAsync(http, type, options, outcome).ConfigureAwait(false);
                break;
            case "deletecollection":
                var deleted = _service.DeleteCollection(
                    type, Scope(r), LabelSelector.Parse(HttpIo.Query(request, "labelSelector")), Fields(request, type), await DeleteOptionsAsync(http).ConfigureAwait(false), Context(request, user));
                await WriteListAsync(http, type, deleted.Select(d => d.Object).ToList(), _service.Store.Revision, null, 0).ConfigureAwait(false);
                break;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private static void CheckShape(ResourceRequest r, ResourceType type)
    {
        var notFound = ApiException.NotFoundPath("the server could not find the requested resource");
        if (!type.Namespaced && r.Namespace.Length > 0)
        {
            throw notFound;
        }

        if (type.Namespaced && r.Namespace.Length == 0 && r.Verb is "get" or "create" or "update" or "patch" or "delete")
        {
            throw notFound;
        }

        var subresourceOk = r.Subresource switch
        {
            "" => true,
            "status" => type.StatusSubresource,
            "scale" => type.Scale is not null,
            _ => false,
        };
        if (!subresourceOk || (r.Subresource.Length > 0 && r.Verb is not ("get" or "update" or "patch")))
        {
            throw notFound;
        }
    }

    private static string? Scope(ResourceRequest r) => r.Namespace.Length > 0 ? r.Namespace : null;

    private static Func<string, string>? Rename(ResourceType type) => EventConversion.IsEventsGroup(type) ? EventConversion.CoreFieldName : null;

    private static FieldSelector Fields(HttpRequest request, ResourceType type) => FieldSelector.Parse(HttpIo.Query(request, "fieldSelector"), Rename(type));

    private static string Combine(string a, string b) => a.Length == 0 ? b : $"{a},{b}";

    private static WriteContext Context(HttpRequest request, UserInfo user) => new()
    {
        DryRun = HttpIo.Query(request, "dryRun") == "All",
        FieldManager = HttpIo.Query(request, "fieldManager") is { Length: > 0 } manager ? manager : null,
        FieldValidation = HttpIo.Query(request, "fieldValidation") switch
        {
            "Strict" => FieldValidation.Strict,
            "Ignore" => FieldValidation.Ignore,
            "Warn" or "" => FieldValidation.Warn,
            var other => throw ApiException.BadRequest($"fieldValidation parameter unsupported: {other}"),
        },
        Force = HttpIo.QueryFlag(request, "force"),
        User = user.Name,
    };

    private async Task ListAsync(HttpContext http, ResourceRequest r, ResourceType type)
    {
        var request = http.Request;
        var limit = long.TryParse(HttpIo.Query(request, "limit"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : 0;
        var page = _service.List(
            type,
            Scope(r),
            LabelSelector.Parse(HttpIo.Query(request, "labelSelector")),
            Fields(request, type),
            limit,
            HttpIo.Query(request, "continue"),
            HttpIo.Query(request, "resourceVersion"));
        var token = page.Next is { } next ? ResourceService.EncodeContinue(page.Revision, next) : null;
        if (HttpIo.WantsTable(request))
        {
            var table = TableBuilder.Build(type, page.Items.Select(i => Presenter.Object(type, i)), _time.GetUtcNow(), HttpIo.Query(request, "includeObject"), true, ListMetadata(page.Revision, token, page.Remaining));
            await HttpIo.WriteJsonAsync(http, 200, table, TableBuilder.ContentType).ConfigureAwait(false);
            return;
        }

        await WriteListAsync(http, type, page.Items, page.Revision, token, page.Remaining).ConfigureAwait(false);
    }

    private static JsonObject ListMetadata(long revision, string? token, long remaining)
    {
        var meta = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (token is not null)
        {
            meta["continue"] = token;
            meta["remainingItemCount"] = remaining;
        }

        return meta;
    }

    private static async Task WriteListAsync(HttpContext http, ResourceType type, IReadOnlyList<StoredObject> items, long revision, string? token, long remaining)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = HttpIo.Json;
        var writer = new Utf8JsonWriter(http.Response.BodyWriter, JsonUtil.WriterOptions);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", type.ListKind);
            writer.WriteString("apiVersion", type.ApiVersion);
            writer.WritePropertyName("metadata");
            ListMetadata(revision, token, remaining).WriteTo(writer);
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                writer.WriteRawValue(Presenter.Bytes(type, item), skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext http, ResourceRequest r, ResourceType type, UserInfo user)
    {
        var body = HttpIo.ParseObject(await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false), http.Request.ContentType);
        CheckKind(body, type);
        var context = Context(http.Request, user);
        var created = _service.Create(type, r.Namespace, body, context);
        HttpIo.AddWarnings(http.Response, context.Warnings);
        await HttpIo.WriteBytesAsync(http, 201, Presenter.Bytes(type, created)).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext http, ResourceRequest r, ResourceType type, UserInfo user, Subresource subresource)
    {
        var body = HttpIo.ParseObject(await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false), http.Request.ContentType);
        var context = Context(http.Request, user);
        if (subresource == Subresource.Scale)
        {
            var scale = _service.UpdateScale(type, r.Namespace, r.Name, _ => body, context);
            await HttpIo.WriteJsonAsync(http, 200, scale).ConfigureAwait(false);
            return;
        }

        CheckKind(body, type);
        var updated = _service.Update(type, r.Namespace, r.Name, body, context, subresource);
        HttpIo.AddWarnings(http.Response, context.Warnings);
        await HttpIo.WriteBytesAsync(http, 200, Presenter.Bytes(type, updated)).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext http, ResourceRequest r, ResourceType type, UserInfo user, Subresource subresource)
    {
        var body = await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        var contentType = http.Request.ContentType ?? string.Empty;
        var context = Context(http.Request, user);
        if (subresource == Subresource.Scale)
        {
            var patch = contentType.Contains("yaml", StringComparison.Ordinal) ? HttpIo.ParseObject(body, contentType) : JsonUtil.Parse(body);
            var scale = _service.UpdateScale(type, r.Namespace, r.Name, current => ResourceService.PatchScale(current, contentType, patch), context);
            await HttpIo.WriteJsonAsync(http, 200, scale).ConfigureAwait(false);
            return;
        }

        if (contentType.StartsWith("application/apply-patch", StringComparison.OrdinalIgnoreCase) &&
            subresource == Subresource.None && _service.Find(type, r.Namespace, r.Name) is null)
        {
            // An apply that creates needs create as well as patch, as on the real server.
            var create = new RequestAttributes("create", r.Group, r.Resource, string.Empty, r.Namespace, r.Name);
            if (!_authorizer.Allows(user, create))
            {
                throw ApiException.Forbidden(r.Group, r.Resource, r.Name, create.ForbiddenMessage(user));
            }
        }

        var (patched, created) = _service.Patch(type, r.Namespace, r.Name, contentType, body, context, subresource);
        HttpIo.AddWarnings(http.Response, context.Warnings);
        await HttpIo.WriteBytesAsync(http, created ? 201 : 200, Presenter.Bytes(type, patched)).ConfigureAwait(false);
    }

    private static void CheckKind(JsonObject body, ResourceType type)
    {
        var kind = JsonUtil.String(body, "kind");
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }

        var apiVersion = JsonUtil.String(body, "apiVersion");
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }
    }

    private static async Task<DeleteOptions> DeleteOptionsAsync(HttpContext http)
    {
        var request = http.Request;
        var body = await HttpIo.ReadBodyAsync(request, http.RequestAborted).ConfigureAwait(false);
        var options = body.Length > 0 ? HttpIo.ParseObject(body, request.ContentType) : new JsonObject();
        var policyText = JsonUtil.String(options, "propagationPolicy") ?? HttpIo.Query(request, "propagationPolicy");
        var orphan = JsonUtil.Bool(options, "orphanDependents") ?? (HttpIo.Query(request, "orphanDependents") is { Length: > 0 } o ? o == "true" : null);
        PropagationPolicy? policy = policyText switch
        {
            "Foreground" => PropagationPolicy.Foreground,
            "Background" => PropagationPolicy.Background,
            "Orphan" => PropagationPolicy.Orphan,
            "" or null => orphan switch
            {
                true => PropagationPolicy.Orphan,
                false => PropagationPolicy.Background,
                null => null,
            },
            _ => throw ApiException.Unprocessable($"propagationPolicy: Unsupported value: \"{policyText}\": supported values: \"Foreground\", \"Background\", \"Orphan\""),
        };
        return new DeleteOptions(policy, JsonUtil.String(options, "preconditions", "uid"), JsonUtil.String(options, "preconditions", "resourceVersion"))
        {
            OrphanDependents = orphan,
        };
    }

    /// <summary>
    /// A removed object is answered with a Success Status unless its kind returns the deleted object (the registry's
    /// <c>ReturnDeletedObject</c>); an object kept by finalizers is answered with its current state, with 202 Accepted
    /// when the caller asked explicitly not to orphan (the API server's compromise for old clients).
    /// </summary>
    private static async Task WriteDeletedAsync(HttpContext http, ResourceType type, DeleteOptions options, DeleteOutcome outcome)
    {
        if (outcome.Removed && !type.ReturnDeletedObject)
        {
            await HttpIo.WriteJsonAsync(http, 200, ResourceService.DeletedStatus(type, outcome.Object)).ConfigureAwait(false);
            return;
        }

        var code = !outcome.Removed && options.OrphanDependents == false ? 202 : 200;
        await HttpIo.WriteBytesAsync(http, code, Presenter.Bytes(type, outcome.Object)).ConfigureAwait(false);
    }

    /// <summary>
    /// The create-only review kinds: <c>SelfSubjectAccessReview</c> answers whether the caller may do what the review
    /// names (<c>kubectl auth can-i</c>); <c>SelfSubjectReview</c> answers who the caller is (<c>kubectl auth whoami</c>).
    /// </summary>
    private async Task ReviewAsync(HttpContext http, ResourceRequest r, ResourceType type, UserInfo user)
    {
        if (r.Verb != "create")
        {
            throw ApiException.MethodNotAllowed("only create is allowed on this resource");
        }

        var body = HttpIo.ParseObject(await HttpIo.ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false), http.Request.ContentType);
        body["apiVersion"] = type.ApiVersion;
        body["kind"] = type.Kind;
        body["status"] = type.Kind == "SelfSubjectReview" ? new JsonObject { ["userInfo"] = UserInfoJson(user) } : new JsonObject { ["allowed"] = _authorizer.Allows(user, Reviewed(body)) };
        await HttpIo.WriteJsonAsync(http, 201, body).ConfigureAwait(false);
    }

    private static RequestAttributes Reviewed(JsonObject review)
    {
        if (JsonUtil.Object(review, "spec", "nonResourceAttributes") is { } nonResource)
        {
            return RequestAttributes.NonResource(JsonUtil.String(nonResource, "verb") ?? string.Empty, JsonUtil.String(nonResource, "path") ?? string.Empty);
        }

        var attributes = JsonUtil.Object(review, "spec", "resourceAttributes");
        return new RequestAttributes(
            JsonUtil.String(attributes, "verb") ?? string.Empty,
            JsonUtil.String(attributes, "group") ?? string.Empty,
            JsonUtil.String(attributes, "resource") ?? string.Empty,
            JsonUtil.String(attributes, "subresource") ?? string.Empty,
            JsonUtil.String(attributes, "namespace") ?? string.Empty,
            JsonUtil.String(attributes, "name") ?? string.Empty);
    }

    private static JsonObject UserInfoJson(UserInfo user)
    {
        var info = new JsonObject { ["username"] = user.Name };
        if (user.Uid.Length > 0)
        {
            info["uid"] = user.Uid;
        }

        info["groups"] = JsonUtil.ToArray(user.Groups);
        if (user.Extra.Count > 0)
        {
            var extra = new JsonObject();
            foreach (var (key, values) in user.Extra)
            {
                extra[key] = JsonUtil.ToArray(values);
            }

            info["extra"] = extra;
        }

        return info;
    }
}
