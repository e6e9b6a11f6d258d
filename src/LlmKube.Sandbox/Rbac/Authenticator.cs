using System.Text;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// Bearer tokens to users. The admin token (from the options) is the cluster admin (group <c>system:masters</c>);
/// a user token is <c>u-</c> followed by the base64url user name, so any name can be minted without configuration
/// (<see cref="TokenFor"/>). A request without a token is <c>system:anonymous</c> (group
/// <c>system:unauthenticated</c>), as on an API server with anonymous authentication on: never the admin.
/// Impersonation headers are handled afterwards by <see cref="Impersonation"/>.
/// </summary>
internal sealed class Authenticator
{
    private const string UserPrefix = "u-";
    private readonly string _adminToken;

    public Authenticator(string adminToken)
    {
        _adminToken = adminToken;
    }

    public static string TokenFor(string user) =>
        UserPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(user)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The caller, or null when the credentials are present but invalid (401).</summary>
    public UserInfo? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return UserInfo.Anonymous;
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header["Bearer ".Length..].Trim();
        if (token == _adminToken)
        {
            return UserInfo.Admin;
        }

        return token.StartsWith(UserPrefix, StringComparison.Ordinal) && Decode(token[UserPrefix.Length..]) is { Length: > 0 } name
            ? UserInfo.Named(name)
            : null;
    }

    private static string? Decode(string text)
    {
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            return Encoding.UTF8.GetString(Convert.FromBase64String(padded));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
