using System.Text;
using System.Text.RegularExpressions;

namespace LlmKube.Contracts;

/// <summary>
/// What a URL may show in any message the fetcher, the operator or the CLI writes (stderr, the termination line the
/// operator copies into status and events, sidecars, resume states, cache reports, status and admission messages):
/// never userinfo, never a query value. Both are removed on the raw text, so no spelling (percent-encoded, raw
/// non-ASCII, a bare token) escapes, and every query value is redacted because there is no reliable list of the
/// parameters that carry signatures (X-Amz-Signature, X-Amz-Security-Token, X-Goog-Signature, sig, se, token, …);
/// the names stay, for debugging.
/// </summary>
public static partial class Redaction
{
    public const string Mask = "REDACTED";

    /// <summary>True when <paramref name="url"/> carries userinfo (`scheme://user[:password]@host`).</summary>
    public static bool HasUserInfo(string url) => UserInfo(url) is not null;

    /// <summary><paramref name="url"/> with its userinfo, query values and fragment replaced by <see cref="Mask"/>.</summary>
    public static string Url(string url)
    {
        var text = url;
        if (UserInfo(text) is { } userInfo)
        {
            text = text[..userInfo.Start] + Mask + text[(userInfo.Start + userInfo.Length)..];
        }

        var query = text.IndexOfAny(['?', '#']);
        if (query < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length).Append(text, 0, query);
        var fragment = text.IndexOf('#', query);
        var queryPart = fragment < 0 ? text[query..] : text[query..fragment];
        if (queryPart.StartsWith('?'))
        {
            builder.Append('?').AppendJoin('&', queryPart[1..].Split('&').Select(p => p.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0 ? p[..(eq + 1)] + Mask : p));
        }

        if (fragment >= 0)
        {
            builder.Append('#').Append(Mask);
        }

        return builder.ToString();
    }

    /// <summary>Every URL inside a free text (an exception message, a log line) redacted with <see cref="Url"/>.</summary>
    public static string Text(string text) =>
        text.Contains("://", StringComparison.Ordinal) ? UrlInText().Replace(text, m => Url(m.Value)) : text;

    /// <summary>
    /// The span of the userinfo: after `://`, up to the last `@` before the first `/`, `?` or `#` (the boundary of the
    /// admission rule, Patterns.SourceWithUserInfo in src/LlmKube.Api, so both refuse the same sources).
    /// </summary>
    private static (int Start, int Length)? UserInfo(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0)
        {
            return null;
        }

        var start = scheme + 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? url[start..] : url[start..end];
        var at = authority.LastIndexOf('@');
        return at < 0 ? null : (start, at);
    }

    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9+.\-]*://[^\s""'<>]+")]
    private static partial Regex UrlInText();
}
