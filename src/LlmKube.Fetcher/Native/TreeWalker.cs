namespace LlmKube.Fetcher.Native;

/// <summary>What a walk reports: every non-directory, and every directory once its content has been walked.</summary>
internal interface ITreeVisitor
{
    /// <summary>A regular file, symbolic link or special file <paramref name="name"/> in <paramref name="parent"/>.</summary>
    void File(DirectoryHandle parent, string relative, string name, FileStat stat);

    /// <summary>The directory <paramref name="name"/> in <paramref name="parent"/>, after everything below it.</summary>
    void DirectoryDone(DirectoryHandle parent, string relative, string name);
}

/// <summary>
/// Walks the tree below an open directory by descriptors only: no path is ever resolved, symbolic links are never
/// followed, and the depth is unbounded (a tree deeper than PATH_MAX is walked like any other). At most
/// <see cref="MaxOpen"/> directories stay open; the walk returns to a closed ancestor through ".." and checks that it
/// is the same directory (device and inode) it left, so a co-tenant who moves directories around during the walk
/// stops it with an error instead of steering it elsewhere.
/// </summary>
internal static class TreeWalker
{
    public const int MaxOpen = 64;

    public static void Walk(DirectoryHandle root, ITreeVisitor visitor)
    {
        var rootStat = root.Stat();
        var stack = new List<Frame> { new(root, rootStat.Device, rootStat.Inode, "", "", new Queue<(string, FileKind)>(root.Entries()), owned: false) };
        try
        {
            while (stack.Count > 0)
            {
                var top = stack[^1];
                if (top.Pending.TryDequeue(out var entry))
                {
                    Visit(stack, top, entry.Name, visitor);
                    continue;
                }

                stack.RemoveAt(stack.Count - 1);
                if (stack.Count == 0)
                {
                    break;
                }

                var parent = stack[^1];
                if (parent.Handle is null)
                {
                    parent.Handle = Reopen(top.Handle!, parent);
                }

                top.Dispose();
                visitor.DirectoryDone(parent.Handle, top.Relative, top.Name);
            }
        }
        finally
        {
            foreach (var frame in stack)
            {
                frame.Dispose();
            }
        }
    }

    private static void Visit(List<Frame> stack, Frame top, string name, ITreeVisitor visitor)
    {
        var dir = top.Handle!;
        if (dir.Stat(name) is not { } stat)
        {
            return; // gone since readdir
        }

        var relative = top.Relative.Length == 0 ? name : top.Relative + "/" + name;
        if (stat.Kind != FileKind.Directory)
        {
            visitor.File(dir, relative, name, stat);
            return;
        }

        if (dir.TryOpenDirectory(name) is not { } child)
        {
            // Replaced by something else since the stat: report what is there now.
            if (dir.Stat(name) is { Kind: not FileKind.Directory } now)
            {
                visitor.File(dir, relative, name, now);
            }

            return;
        }

        var opened = child.Stat();
        stack.Add(new Frame(child, opened.Device, opened.Inode, name, relative, new Queue<(string, FileKind)>(child.Entries()), owned: true));
        if (stack.Count - 1 - MaxOpen is var far and >= 1 && stack[far].Handle is { } handle)
        {
            handle.Dispose();
            stack[far].Handle = null;
        }
    }

    private static DirectoryHandle Reopen(DirectoryHandle child, Frame parent)
    {
        var up = child.OpenDirectory("..");
        var stat = up.Stat();
        if (stat.Device != parent.Device || stat.Inode != parent.Inode)
        {
            up.Dispose();
            throw new IOException($"{parent.Relative}: the tree was moved while it was being walked; nothing outside it was touched, try again");
        }

        return up;
    }

    private sealed class Frame(DirectoryHandle? handle, ulong device, ulong inode, string name, string relative, Queue<(string Name, FileKind Kind)> pending, bool owned) : IDisposable
    {
        public DirectoryHandle? Handle { get; set; } = handle;

        public ulong Device => device;

        public ulong Inode => inode;

        public string Name => name;

        public string Relative => relative;

        public Queue<(string Name, FileKind Kind)> Pending => pending;

        public void Dispose()
        {
            if (owned)
            {
                Handle?.Dispose();
                Handle = null;
            }
        }
    }
}
