using System.Text;
using LlmKube.Api.Sources;

namespace LlmKube.Api.Cache;

/// <summary>
/// ★ The file name of a single-file model inside its cache entry. It depends only on the source (never
/// on metadata that arrives later), so the path the server is given never changes under a running cache.
/// </summary>
public static class ModelFileName
{
    public const string Fallback = "model.gguf";

    public static string FromSource(string source)
    {
        var parsed = ModelSource.Parse(source);
        var lastSegment = parsed.Kind switch
        {
            SourceKind.Http => LastSegmentOfUrl(source),
            SourceKind.Invalid => "",
            _ => LastSegment(parsed.Path ?? ""),
        };
        return Sanitize(lastSegment);
    }

    /// <summary>Keeps <c>[A-Za-z0-9._-]</c>, turns other runs into one dash, trims <c>-._</c> at both ends.</summary>
    public static string Sanitize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var keep = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
            if (keep)
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var collapsed = builder.ToString();
        while (collapsed.Contains("--", StringComparison.Ordinal))
        {
            collapsed = collapsed.Replace("--", "-", StringComparison.Ordinal);
        }

        var trimmed = collapsed.Trim('-', '.', '_');
        return trimmed.Length == 0 ? Fallback : trimmed;
    }

    private static string LastSegmentOfUrl(string url)
    {
        var path = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.AbsolutePath : "";
        return Uri.UnescapeDataString(LastSegment(path));
    }

    private static string LastSegment(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed[(slash + 1)..];
    }
}
