using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Cli;

/// <summary>Repo-relative file names from users: nested paths are kept; absolute, `..` and control characters are refused.</summary>
internal static class RelativePath
{
    public static string Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw Invalid(path, "empty");
        }

        if (path.StartsWith('/') || path.StartsWith('\\') || path.Contains('\\', StringComparison.Ordinal))
        {
            throw Invalid(path, "absolute paths and backslashes are not allowed");
        }

        if (path.Any(char.IsControl))
        {
            throw Invalid(path, "control characters are not allowed");
        }

        var segments = path.Split('/');
        foreach (var s in segments)
        {
            if (s.Length == 0 || s == "." || s == "..")
            {
                throw Invalid(path, "empty, '.' and '..' segments are not allowed");
            }
        }

        // The admission rule's reservation (Patterns.ReservedFileName in src/LlmKube.Api): no segment may be a dot-name
        // containing .llmkube, the lock, sidecars and partials, which the fetcher itself creates beside the files.
        if (segments.Any(s => s.StartsWith('.') && s.Contains(".llmkube", StringComparison.Ordinal)))
        {
            throw Invalid(path, "the name collides with the fetcher's own dot-files");
        }

        return path;
    }

    private static FetchException Invalid(string path, string why) =>
        new(FailureReason.InvalidSource, $"refused file path '{path}': {why}");
}
