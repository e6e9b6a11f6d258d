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
        var line = new FetcherCommandLine();
        var parse = FetcherCommandLine.ParseOrThrow(line.Prep, args);
        string? dir = parse.GetValue(line.PrepDirectory), owner = parse.GetValue(line.Owner), mode = parse.GetValue(line.Mode),
            termLog = parse.GetValue(line.PrepTerminationLog);
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
        DirectoryHandle handle;
        try
        {
            // Opened without following a link at the last component, then changed through the descriptor only: a
            // co-tenant who swaps the directory for a link can make prep fail, never make it chown what the link names.
            handle = DirectoryHandle.Open(dir, followLastLink: false);
        }
        catch (ErrnoIOException e) when (e.Errno is Libc.ENOENT)
        {
            throw new FetchException(FailureReason.CacheNotWritable, $"prep: {dir} does not exist (is the cache volume mounted?)", e);
        }
        catch (ErrnoIOException e) when (e.Errno is Libc.ENOTDIR or Libc.ELOOP)
        {
            throw new FetchException(FailureReason.InvalidArguments,
                $"prep: {dir} is not a directory (a file or a symbolic link; prep never follows a link)", e);
        }

        using (handle)
        {
            // A claim may be anybody's (spec.modelCache.claimName: postgres-data): its root changes hands only when it
            // is empty or already a model cache, so prep never takes over another workload's volume.
            List<string> foreign;
            try
            {
                foreign = handle.Entries().Select(e => e.Name).Where(n => !BelongsToACache(n)).Order(StringComparer.Ordinal).Take(3).ToList();
            }
            catch (ErrnoIOException e) when (e.Errno is Libc.EACCES)
            {
                // Root here has CHOWN and FOWNER only: a root it cannot list (a 0700 database directory) is not known to be a cache.
                throw new FetchException(FailureReason.CacheNotWritable,
                    $"prep: cannot list {dir} (permission denied), so it is not known to be a model cache: its owner and mode are left alone; " +
                    "use an empty claim, or one llmkube filled", e);
            }

            if (foreign.Count > 0)
            {
                throw new FetchException(FailureReason.CacheNotWritable,
                    $"prep: {dir} holds data that is not a model cache ({string.Join(", ", foreign)}): its owner and mode are left alone; " +
                    "use an empty claim, or one llmkube filled (only <cacheKey>/ directories and dot-files at its root)");
            }

            var errno = handle.Chown(options.Uid, options.Gid);
            if (errno != 0)
            {
                throw Failure($"chown {options.Uid}:{options.Gid} {dir}", errno, "CAP_CHOWN");
            }

            var current = handle.Stat().Mode;
            var target = ModeSpec.Parse(options.Mode).Apply(current, isDirectory: true);
            errno = handle.Chmod(target);
            if (errno != 0)
            {
                throw Failure($"chmod {Convert.ToString(target, 8)} {dir}", errno, "CAP_FOWNER");
            }

            stderr.WriteLine($"llmkube-fetch: prep {dir}: owner {options.Uid}:{options.Gid}, mode {Convert.ToString(target, 8).PadLeft(4, '0')} (was {Convert.ToString(current, 8).PadLeft(4, '0')})");
        }
    }

    /// <summary>What a model cache's root may hold: cache entries, the fetcher's and cache-rm's dot-names, a filesystem's lost+found.</summary>
    internal static bool BelongsToACache(string name) => CacheAdmin.CacheAdminCommand.IsKey(name) || name.StartsWith('.') || name == "lost+found";

    internal static FetchException Failure(string what, int errno, string capability) => new(
        errno is Libc.ENOENT ? FailureReason.InvalidArguments : FailureReason.CacheNotWritable,
        errno is Libc.EPERM
            ? $"prep: {what}: {Libc.Describe(errno)} (needs uid 0 with {capability}; is the init container's securityContext dropping it?)"
            : $"prep: {what}: {Libc.Describe(errno)}");
}
