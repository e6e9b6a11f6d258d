using LlmKube.Cli.Cluster;

namespace LlmKube.Cli.Output;

/// <summary>
/// Asks before destroying data: on a terminal a y/N question on stderr; without a terminal the answer cannot be
/// known, so it refuses (exit 1) and names --yes instead of guessing.
/// </summary>
internal static class Confirmation
{
    public static async Task RequireAsync(CliConsole console, bool yes, string question, string what, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (yes)
        {
            return;
        }

        if (!console.InputIsTerminal)
        {
            throw CliException.Refused($"{what} needs confirmation and there is no terminal to ask on: add --yes to confirm (nothing was changed)");
        }

        await console.Error.WriteAsync(question + " [y/N] ").ConfigureAwait(false);
        await console.Error.FlushAsync(ct).ConfigureAwait(false);
        var answer = (await console.In.ReadLineAsync(ct).ConfigureAwait(false))?.Trim();
        if (answer is null || !(answer.Equals("y", StringComparison.OrdinalIgnoreCase) || answer.Equals("yes", StringComparison.OrdinalIgnoreCase)))
        {
            throw CliException.Refused($"{what}: not confirmed; nothing was changed");
        }
    }
}
