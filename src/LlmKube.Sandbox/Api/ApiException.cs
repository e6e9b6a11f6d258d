using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Api;

/// <summary>An API error that is answered as a <c>metav1.Status</c> body.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public int Code { get; }

    public string Reason { get; }

    public JsonObject? Details { get; }

    public JsonObject ToStatus() => StatusBody(Code, Reason, Message, Details);

    public static JsonObject StatusBody(int code, string reason, string message, JsonObject? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = code is >= 200 and < 300 ? "Success" : "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details.DeepClone();
        }

        status["code"] = code;
        return status;
    }

    private static JsonObject Detail(string? name, string group, string kind)
    {
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(name))
        {
            details["name"] = name;
        }

        if (!string.IsNullOrEmpty(group))
        {
            details["group"] = group;
        }

        if (!string.IsNullOrEmpty(kind))
        {
            details["kind"] = kind;
        }

        return details;
    }

    private static string GroupResource(string group, string plural) => group.Length == 0 ? plural : $"{plural}.{group}";

    public static ApiException NotFound(string group, string plural, string name) =>
        new(404, "NotFound", $"{GroupResource(group, plural)} \"{name}\" not found", Detail(name, group, plural));

    public static ApiException NotFoundPath(string message) => new(404, "NotFound", message, null);

    public static ApiException AlreadyExists(string group, string plural, string name) =>
        new(409, "AlreadyExists", $"{GroupResource(group, plural)} \"{name}\" already exists", Detail(name, group, plural));

    public static ApiException Conflict(string group, string plural, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {GroupResource(group, plural)} \"{name}\": {why}", Detail(name, group, plural));

    public static ApiException StaleConflict(string group, string plural, string name) =>
        Conflict(group, plural, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException NotAcceptable(string message) => new(406, "NotAcceptable", message);

    public static ApiException UnsupportedMediaType(string message) => new(415, "UnsupportedMediaType", message);

    public static ApiException Expired(string message) => new(410, "Expired", message);

    public static ApiException Internal(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    public static ApiException Forbidden(string group, string plural, string? name, string message) =>
        new(403, "Forbidden", message, Detail(name, group, plural));

    public static ApiException Unprocessable(string message) => new(422, "Invalid", message);

    public static ApiException Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        var list = errors.Count == 1 ? errors[0].ToString() : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        var details = Detail(name, group, kind);
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Body, ["field"] = error.Field });
        }

        details["causes"] = causes;
        return new ApiException(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {list}", details);
    }
}
