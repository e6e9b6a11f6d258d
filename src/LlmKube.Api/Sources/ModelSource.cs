using LlmKube.Api.Schema;
using LlmKube.Contracts;
using System.Text.RegularExpressions;

namespace LlmKube.Api.Sources;

public enum SourceKind
{
    Invalid,
    Http,
    HuggingFaceFile,
    HuggingFaceRepo,
    Pvc,
    S3,
    Local,
}

/// <summary>A parsed <c>spec.source</c>. Parsing never throws; an unusable source has kind Invalid and an error.</summary>
public sealed partial record ModelSource
{
    public const string HubBaseUrl = "https://huggingface.co";

    public required SourceKind Kind { get; init; }

    public required string Raw { get; init; }

    /// <summary>Why the source is unusable (Invalid only).</summary>
    public string? Error { get; init; }

    /// <summary>Hub repository id <c>org/name</c> (hub sources).</summary>
    public string? Repository { get; init; }

    /// <summary>Hub revision, <c>main</c> when not pinned (hub sources).</summary>
    public string? Revision { get; init; }

    /// <summary>File path inside the hub repository, the pvc claim or the s3 bucket; the local absolute path.</summary>
    public string? Path { get; init; }

    /// <summary>Claim (pvc) or bucket (s3).</summary>
    public string? Container { get; init; }

    public bool IsRemote => Kind is SourceKind.Http or SourceKind.HuggingFaceFile or SourceKind.HuggingFaceRepo or SourceKind.S3;

    /// <summary>Hub resolve URL of a file: <c>https://huggingface.co/org/repo/resolve/rev/path</c>.</summary>
    public static string HubResolveUrl(string repository, string revision, string path) =>
        $"{HubBaseUrl}/{repository}/resolve/{Uri.EscapeDataString(revision)}/{path.TrimStart('/')}";

    /// <summary>
    /// The source as status, events and logs may show it: without userinfo and without query values or fragment,
    /// which carry presigned credentials. The one redaction the fetcher also uses (<see cref="Redaction.Url"/>).
    /// </summary>
    public static string ForMessages(string? raw) => Redaction.Url(raw ?? "");

    public static ModelSource Parse(string? raw)
    {
        raw ??= "";
        if (raw.Length == 0)
        {
            return Invalid(raw, "the source is empty");
        }

        if (raw.Any(char.IsWhiteSpace))
        {
            return Invalid(raw, "the source contains white space");
        }

        var scheme = raw.IndexOf("://", StringComparison.Ordinal) is var i and > 0 ? raw[..i].ToLowerInvariant() : null;
        return scheme switch
        {
            "http" or "https" => ParseHttp(raw),
            "hf" => ParseHub(raw, raw["hf://".Length..]),
            "pvc" => ParseContainerPath(raw, SourceKind.Pvc, "pvc://<claim>/<path>"),
            "s3" => ParseContainerPath(raw, SourceKind.S3, "s3://<bucket>/<key>"),
            "file" => ParseLocal(raw, raw["file://".Length..]),
            null when raw.StartsWith('/') => ParseLocal(raw, raw),
            null when BareRepo().IsMatch(raw) => ParseHub(raw, raw),
            _ => Invalid(raw, $"unsupported source \"{ForMessages(raw)}\": use http(s)://, hf://org/repo[@rev]/file, pvc://claim/path, s3://bucket/key, file:///path or a Hugging Face repo id"),
        };
    }

    private static ModelSource ParseHttp(string raw)
    {
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return Invalid(raw, $"\"{ForMessages(raw)}\" is not a valid URL");
        }

        if (!uri.Host.Equals("huggingface.co", StringComparison.OrdinalIgnoreCase))
        {
            return new ModelSource { Kind = SourceKind.Http, Raw = raw };
        }

        // huggingface.co/org/repo[/tree/rev] is a repository page, /resolve|blob/rev/file is a file.
        var segments = uri.AbsolutePath.Trim('/').Split('/');
        if (segments.Length >= 5 && segments[2] is "resolve" or "blob")
        {
            return new ModelSource
            {
                Kind = SourceKind.HuggingFaceFile,
                Raw = raw,
                Repository = segments[0] + "/" + segments[1],
                Revision = Uri.UnescapeDataString(segments[3]),
                Path = string.Join('/', segments[4..]),
            };
        }

        if (segments.Length == 2 || segments.Length >= 3 && segments[2] == "tree")
        {
            return new ModelSource
            {
                Kind = SourceKind.HuggingFaceRepo,
                Raw = raw,
                Repository = segments[0] + "/" + segments[1],
                Revision = segments.Length >= 4 ? Uri.UnescapeDataString(segments[3]) : "main",
            };
        }

        return new ModelSource { Kind = SourceKind.Http, Raw = raw };
    }

    private static ModelSource ParseHub(string raw, string rest)
    {
        // org/repo[@rev][/path/to/file]
        var parts = rest.Split('/', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return Invalid(raw, $"\"{ForMessages(raw)}\" must name a repository as org/repo");
        }

        var repoAndRevision = parts[1].Split('@', 2);
        var revision = repoAndRevision.Length == 2 ? repoAndRevision[1] : "main";
        if (revision.Length == 0)
        {
            return Invalid(raw, $"\"{ForMessages(raw)}\" has an empty revision after @");
        }

        var path = parts.Length == 3 ? parts[2] : "";
        if (path.Length > 0 && !RelativePath().IsMatch(path))
        {
            return Invalid(raw, $"the file path \"{path}\" in \"{ForMessages(raw)}\" must be relative, without empty, '.' or '..' segments");
        }

        return new ModelSource
        {
            Kind = path.Length > 0 ? SourceKind.HuggingFaceFile : SourceKind.HuggingFaceRepo,
            Raw = raw,
            Repository = parts[0] + "/" + repoAndRevision[0],
            Revision = revision,
            Path = path.Length > 0 ? path : null,
        };
    }

    private static ModelSource ParseContainerPath(string raw, SourceKind kind, string form)
    {
        var rest = raw[(raw.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var path = slash < 0 ? "" : rest[(slash + 1)..];
        if (container.Length == 0)
        {
            return Invalid(raw, $"\"{ForMessages(raw)}\" must have the form {form}");
        }

        if (kind == SourceKind.Pvc && !Dns1123().IsMatch(container))
        {
            return Invalid(raw, $"claim \"{container}\" in \"{ForMessages(raw)}\" is not a valid PersistentVolumeClaim name (DNS-1123 subdomain)");
        }

        if (kind == SourceKind.Pvc && (path.Length == 0 || !RelativePath().IsMatch(path)))
        {
            return Invalid(raw, $"\"{ForMessages(raw)}\" must name a file inside the claim as {form}, without '.' or '..' segments");
        }

        if (kind == SourceKind.S3 && path.Split('/').Any(segment => segment is ".."))
        {
            return Invalid(raw, $"the key in \"{ForMessages(raw)}\" must not contain '..' segments");
        }

        return new ModelSource { Kind = kind, Raw = raw, Container = container, Path = path };
    }

    private static ModelSource ParseLocal(string raw, string path)
    {
        if (!path.StartsWith('/') || path.Split('/').Any(segment => segment is ".." or "."))
        {
            return Invalid(raw, $"\"{ForMessages(raw)}\" must be an absolute path without '.' or '..' segments");
        }

        return new ModelSource { Kind = SourceKind.Local, Raw = raw, Path = path };
    }

    private static ModelSource Invalid(string raw, string error) => new() { Kind = SourceKind.Invalid, Raw = raw, Error = error };

    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-.]*/[\w\-.]+(@[\w\-./]+)?$")]
    private static partial Regex BareRepo();

    [GeneratedRegex(Patterns.RelativeFilePath)]
    private static partial Regex RelativePath();

    [GeneratedRegex(Patterns.Dns1123Subdomain)]
    private static partial Regex Dns1123();
}
