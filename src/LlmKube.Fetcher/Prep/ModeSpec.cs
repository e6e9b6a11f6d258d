using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Prep;

/// <summary>
/// A chmod mode: octal (`0770`, `770`, `2775`) or symbolic clauses `[ugoa]*[+-=][rwxX]+` separated by commas
/// (`g+rwX`, `u=rwx,g=rwx,o=`). `X` sets execute on directories, or when some execute bit is already set.
/// </summary>
internal sealed record ModeSpec(string Text)
{
    private const int SpecialBits = 0xE00; // setuid, setgid, sticky

    public static ModeSpec Parse(string text)
    {
        var spec = new ModeSpec(text);
        _ = spec.Apply(0, isDirectory: true); // validates
        return spec;
    }

    /// <summary>The resulting mode for a file whose current mode is <paramref name="current"/>.</summary>
    public int Apply(int current, bool isDirectory)
    {
        if (Text.Length > 0 && Text.All(c => c is >= '0' and <= '7'))
        {
            if (Text.Length > 4)
            {
                throw Invalid("octal modes have at most 4 digits");
            }

            var value = Convert.ToInt32(Text, 8);
            // Like chmod(1) on directories: a 3-digit octal mode keeps setgid/setuid, 4 digits set them explicitly.
            return Text.Length == 4 ? value : value | (current & SpecialBits);
        }

        var mode = current;
        foreach (var clause in Text.Split(','))
        {
            mode = ApplyClause(clause, mode, isDirectory);
        }

        return mode;
    }

    private int ApplyClause(string clause, int mode, bool isDirectory)
    {
        var i = 0;
        var who = 0;
        while (i < clause.Length && clause[i] is 'u' or 'g' or 'o' or 'a')
        {
            who |= clause[i] switch { 'u' => 0x9C0, 'g' => 0x438, 'o' => 0x207, _ => 0xFFF };
            i++;
        }

        if (who == 0)
        {
            who = 0xFFF; // like "a" (umask is not applied: the volume root is what we set it to)
        }

        if (i >= clause.Length || clause[i] is not ('+' or '-' or '='))
        {
            throw Invalid($"'{clause}' needs an operator +, - or =");
        }

        var op = clause[i++];
        if (i == clause.Length && op != '=')
        {
            throw Invalid($"'{clause}' names no permission");
        }

        var perm = 0;
        for (; i < clause.Length; i++)
        {
            perm |= clause[i] switch
            {
                'r' => 0x124,
                'w' => 0x092,
                'x' => 0x049,
                'X' => isDirectory || (mode & 0x049) != 0 ? 0x049 : 0,
                _ => throw Invalid($"'{clause[i]}' is not one of r, w, x, X"),
            };
        }

        var bits = perm & who & 0x1FF;
        return op switch
        {
            '+' => mode | bits,
            '-' => mode & ~bits,
            _ => (mode & ~(who & 0x1FF)) | bits,
        };
    }

    private FetchException Invalid(string why) => new(FailureReason.InvalidArguments, $"invalid --mode '{Text}': {why}");
}
