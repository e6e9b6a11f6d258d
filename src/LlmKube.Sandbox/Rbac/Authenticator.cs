using System.Text;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Sandbox.Rbac;

/// <summary>
/// Bearer tokens to users. The admin token (from the options) is the cluster admin; a user token is
/// <c>u-</c> followed by the base64url user name, so any name can be minted without configuration
/// (<see cref="TokenFor"/>). The admin may impersonate (<c>Impersonate-User</c>, as <c>kubectl --as</c> sends).
/// Requests without a token are <c>system:anonymous</c>, or the admin when anonymous access is allowed.
/// </summary>
internal sealed class Authenticator
{
    private const string UserPrefix = "u-";
    private readonly string _adminToken;
    private readonly bool _anonymousIsAdmin;

    public Authenticator(string adminToken, bool anonymousIsAdmin)
    {
        _adminToken = adminToken;
        _anonymousIsAdmin = anonymousIsAdmin;
    }

    public static string TokenFor(string user) =>
        UserPrefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(user)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public UserInfo? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        UserInfo user;
        if (string.IsNullOrEmpty(header))
        {
            user = _anonymousIsAdmin ? UserInfo.For(UserInfo.AdminName, isAdmin: true) : UserInfo.Anonymous;
        }
        else if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        else
        {
            var token = header["Bearer ".Length..].Trim();
            if (token == _adminToken)
            {
                user = UserInfo.For(UserInfo.AdminName, isAdmin: true);
            }
            else if (token.StartsWith(UserPrefix, StringComparison.Ordinal) && Decode(token[UserPrefix.Length..]) is { Length: > 0 } name)
            {
                user = UserInfo.For(name, isAdmin: false);
            }
            else
            {
                return null;
            }
        }

        var impersonate = request.Headers["Impersonate-User"].ToString();
        if (user.IsAdmin && impersonate.Length > 0)
        {
            return UserInfo.For(impersonate, isAdmin: false, request.Headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!));
        }

        return user;
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
