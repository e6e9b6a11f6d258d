using Amazon.S3;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>One file to put in place: where it goes (relative to the entry; the full path for messages), where it comes from, what its sha256 must be.</summary>
internal sealed record FetchJob(string Relative, string FinalPath, IFileSource Source, string? ExpectedSha256, string RecordedSource);

/// <summary>Turns the raw `spec.source` (plus the file list) into fetch jobs; refuses what it cannot serve safely.</summary>
internal sealed class SourceResolver(FetchOptions options, HttpClients http)
{
    private readonly Lazy<IAmazonS3> _s3 = new(() => S3FileSource.CreateClient(options.S3, http.Guarded));

    public IReadOnlyList<FetchJob> Resolve()
    {
        var raw = options.Source;
        if (Redaction.HasUserInfo(raw))
        {
            // Never sent anywhere (no source kind takes credentials from the URL) and never echoed: refused outright.
            throw new FetchException(FailureReason.InvalidSource,
                $"{Redaction.Url(raw)}: credentials in the source URL (user:password@) are refused; put them in the Secret the Model's sourceSecretRef names (HF_TOKEN, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)");
        }

        var recorded = Redaction.Url(raw);
        if (!options.IsMultiFile)
        {
            return [new FetchJob(Path.GetFileName(options.Dest!), options.Dest!, Single(raw), options.Sha256, recorded)];
        }

        var jobs = new List<FetchJob>();
        var root = options.DestDir!.TrimEnd('/') + "/";
        for (var i = 0; i < options.Files.Count; i++)
        {
            var rel = options.Files[i];
            var final = Path.GetFullPath(Path.Combine(options.DestDir!, rel));
            if (!final.StartsWith(root, StringComparison.Ordinal))
            {
                throw new FetchException(FailureReason.InvalidSource, $"refused file path '{rel}': it leaves {options.DestDir}");
            }

            jobs.Add(new FetchJob(rel, final, Member(raw, rel), i == 0 ? options.Sha256 : null, recorded + " " + rel));
        }

        return jobs;
    }

    public void DisposeClients()
    {
        if (_s3.IsValueCreated)
        {
            _s3.Value.Dispose();
        }
    }

    private IFileSource Single(string raw)
    {
        var uri = raw.StartsWith("hf://", StringComparison.Ordinal) ? null : Parse(raw);
        switch (uri?.Scheme ?? "hf")
        {
            case "hf":
                var (repo, rev, path) = ParseHf(raw);
                if (path is null)
                {
                    throw new FetchException(FailureReason.InvalidSource, $"{Redaction.Url(raw)} names a repository, not a file: list the files in spec.files");
                }

                return new HubFileSource(http.Client, options.HfEndpoint, repo, rev, path, options.HfToken);
            case "http" or "https":
                if (HubPath(uri!) is { File: { } file } hub)
                {
                    return new HubFileSource(http.Client, options.HfEndpoint, hub.Repo, hub.Revision, file, options.HfToken);
                }

                return new HttpFileSource(http.Client, uri!, Redaction.Url(raw));
            case "s3":
                var key = Uri.UnescapeDataString(uri!.AbsolutePath.TrimStart('/'));
                if (key.Length == 0 || key.EndsWith('/'))
                {
                    throw new FetchException(FailureReason.InvalidSource, $"{Redaction.Url(raw)}: an s3 source for one file needs a key");
                }

                return new S3FileSource(_s3, uri!.Host, key);
            case "file":
                return new LocalFileSource(LocalFileSource.Authorize(uri!.LocalPath, options.AllowedFileRoots));
            default:
                throw Unsupported(raw, uri!.Scheme);
        }
    }

    private IFileSource Member(string raw, string rel)
    {
        var uri = raw.StartsWith("hf://", StringComparison.Ordinal) ? null : Parse(raw);
        switch (uri?.Scheme ?? "hf")
        {
            case "hf":
                var (repo, rev, path) = ParseHf(raw);
                if (path is not null)
                {
                    throw new FetchException(FailureReason.InvalidSource, $"{Redaction.Url(raw)}: a multi-file source must name the repository, not a file");
                }

                return new HubFileSource(http.Client, options.HfEndpoint, repo, rev, rel, options.HfToken);
            case "http" or "https":
                if (HubPath(uri!) is { File: null } hub)
                {
                    return new HubFileSource(http.Client, options.HfEndpoint, hub.Repo, hub.Revision, rel, options.HfToken);
                }

                var b = uri!.GetLeftPart(UriPartial.Path).TrimEnd('/');
                var escaped = string.Join('/', rel.Split('/').Select(Uri.EscapeDataString));
                return new HttpFileSource(http.Client, new Uri(b + "/" + escaped + uri!.Query), Redaction.Url(b + "/" + rel + uri!.Query));
            case "s3":
                var prefix = Uri.UnescapeDataString(uri!.AbsolutePath.Trim('/'));
                return new S3FileSource(_s3, uri!.Host, prefix.Length == 0 ? rel : prefix + "/" + rel);
            case "file":
                return new LocalFileSource(LocalFileSource.Authorize(Path.Combine(uri!.LocalPath, rel), options.AllowedFileRoots));
            default:
                throw Unsupported(raw, uri!.Scheme);
        }
    }

    internal static (string Repo, string Revision, string? Path) ParseHf(string raw)
    {
        var rest = raw["hf://".Length..].Split('?', '#')[0];
        var parts = rest.Split('/', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new FetchException(FailureReason.InvalidSource, $"{Redaction.Url(raw)}: expected hf://org/repo[@rev][/file]");
        }

        var repoName = parts[1];
        var revision = "main";
        if (repoName.IndexOf('@', StringComparison.Ordinal) is var at and >= 0)
        {
            revision = Uri.UnescapeDataString(repoName[(at + 1)..]);
            repoName = repoName[..at];
            if (revision.Length == 0 || repoName.Length == 0)
            {
                throw new FetchException(FailureReason.InvalidSource, $"{Redaction.Url(raw)}: empty repository or revision");
            }
        }

        string? path = parts.Length == 3 && parts[2].Length > 0 ? RelativePath.Validate(Uri.UnescapeDataString(parts[2])) : null;
        foreach (var name in new[] { parts[0], repoName })
        {
            if (name is "." or ".." || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                throw new FetchException(FailureReason.InvalidSource, $"{Redaction.Url(raw)}: invalid repository name '{name}'");
            }
        }

        return (parts[0] + "/" + repoName, revision, path);
    }

    /// <summary>Recognises hub URLs on the configured endpoint: /org/repo, /org/repo/tree/rev, /org/repo/resolve/rev/file.</summary>
    private (string Repo, string Revision, string? File)? HubPath(Uri uri)
    {
        if (!Uri.TryCreate(options.HfEndpoint, UriKind.Absolute, out var endpoint) || !HttpFileSource.SameOrigin(uri, endpoint))
        {
            return null;
        }

        var seg = uri.AbsolutePath.Trim('/').Split('/');
        return seg switch
        {
            [var org, var repo] => (org + "/" + repo, "main", null),
            [var org, var repo, "tree", var rev] => (org + "/" + repo, Uri.UnescapeDataString(rev), null),
            [var org, var repo, "resolve" or "blob", var rev, .. var file] when file.Length > 0 =>
                (org + "/" + repo, Uri.UnescapeDataString(rev), RelativePath.Validate(Uri.UnescapeDataString(string.Join('/', file)))),
            _ => null,
        };
    }

    private static Uri Parse(string raw)
    {
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme.Length == 0)
        {
            throw new FetchException(FailureReason.InvalidSource, $"'{Redaction.Url(raw)}' is not a URL (http, https, hf, s3 or file)");
        }

        return uri;
    }

    private static FetchException Unsupported(string raw, string scheme) => new(FailureReason.InvalidSource, scheme == "pvc"
        ? $"{Redaction.Url(raw)}: pvc:// sources are mounted read-only, never fetched"
        : $"{Redaction.Url(raw)}: unsupported scheme '{scheme}' (http, https, hf, s3, file)");
}
