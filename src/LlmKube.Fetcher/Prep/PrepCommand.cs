using System.Globalization;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher.Prep;

/// <summary>
/// `prep DIR --owner UID:GID --mode MODE`: chown(2) and chmod(2) of DIR itself, never recursive, called directly by
/// this process (a shell exec'ing chown as non-root loses its capabilities; here the capabilities of the container
/// apply to the syscalls). In the pod: uid 0 with only CAP_CHOWN and CAP_FOWNER.
/// </summary>
internal static class PrepCommand
{
    public static PrepOptions Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgReader(args);
        string? dir = null, owner = null, mode = null, termLog = null;
        while (reader.Next() is { } a)
        {
            switch (a)
            {
                case "--owner": owner = reader.Value(a); break;
                case "--mode": mode = reader.Value(a); break;
                case "--termination-log": termLog = reader.Value(a); break;
                default:
                    if (a.StartsWith("--", StringComparison.Ordinal) || dir is not null)
                    {
                        throw FetchOptionsParser.Usage($"prep: unexpected argument '{a}'");
                    }

                    dir = a;
                    break;
            }
        }

        if (dir is null || owner is null || mode is null)
        {
            throw FetchOptionsParser.Usage("usage: llmkube-fetch prep DIR --owner UID:GID --mode MODE");
        }

        var parts = owner.Split(':');
        if (parts.Length != 2 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            || !uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            throw FetchOptionsParser.Usage($"prep: --owner must be numeric UID:GID, not '{owner}'");
        }

        _ = ModeSpec.Parse(mode);
        return new PrepOptions(dir, uid, gid, mode, termLog ?? TerminationMessage.DefaultPath);
    }

    public static void Run(PrepOptions options, TextWriter stderr)
    {
        var dir = options.Directory;
        if (!Directory.Exists(dir))
        {
            throw new FetchException(File.Exists(dir) ? FailureReason.InvalidArguments : FailureReason.CacheNotWritable,
                $"prep: {dir} is not a directory (is the cache volume mounted?)");
        }

        var errno = Libc.Chown(dir, options.Uid, options.Gid);
        if (errno != 0)
        {
            throw Failure($"chown {options.Uid}:{options.Gid} {dir}", errno, "CAP_CHOWN");
        }

        var current = (int)File.GetUnixFileMode(dir);
        var target = ModeSpec.Parse(options.Mode).Apply(current, isDirectory: true);
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)target);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FetchException(FailureReason.CacheNotWritable,
                $"prep: chmod {Convert.ToString(target, 8)} {dir}: operation not permitted (run as uid 0 or the owner, with CAP_FOWNER)", e);
        }
        catch (IOException e)
        {
            throw new FetchException(FailureReason.CacheNotWritable, $"prep: chmod {Convert.ToString(target, 8)} {dir}: {e.Message}", e);
        }

        stderr.WriteLine($"llmkube-fetch: prep {dir}: owner {options.Uid}:{options.Gid}, mode {Convert.ToString(target, 8).PadLeft(4, '0')} (was {Convert.ToString(current, 8).PadLeft(4, '0')})");
    }

    internal static FetchException Failure(string what, int errno, string capability) => new(
        errno is Libc.ENOENT ? FailureReason.InvalidArguments : FailureReason.CacheNotWritable,
        errno is Libc.EPERM
            ? $"prep: {what}: {Libc.Describe(errno)} (needs uid 0 with {capability}; is the init container's securityContext dropping it?)"
            : $"prep: {what}: {Libc.Describe(errno)}");
}
