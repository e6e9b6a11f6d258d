using System.CommandLine;

namespace LlmKube.Cli.Commands.Completion;

/// <summary>
/// <c>llmkube completion bash|zsh|fish|pwsh</c>: a script that makes the shell ask llmkube itself what can follow the
/// words typed so far, through System.CommandLine's <c>[suggest:POSITION] "LINE"</c> directive. Commands, flags and
/// the values a flag accepts therefore always match the installed binary; no dotnet-suggest is needed.
/// </summary>
internal static class CompletionCommand
{
    public static Command Create()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh, fish or pwsh." };
        shell.AcceptOnlyFromAmong([.. CompletionScripts.Shells]);
        var command = new Command("completion", "Print a shell completion script: load it in your shell's start-up file (see the examples).") { shell };
        command.SetAction(async (parse, ct) =>
        {
            await parse.InvocationConfiguration.Output.WriteAsync(CompletionScripts.For(parse.GetValue(shell)!).AsMemory(), ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}

/// <summary>The scripts, one per shell. Each passes the line up to the cursor and the cursor's offset in it.</summary>
internal static class CompletionScripts
{
    public static IReadOnlyList<string> Shells { get; } = ["bash", "zsh", "fish", "pwsh"];

    public static string For(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        "fish" => Fish,
        "pwsh" => PowerShell,
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "one of bash, zsh, fish, pwsh"),
    };

    private const string Bash = """
        # bash completion for llmkube. Load it with:  source <(llmkube completion bash)
        _llmkube_complete() {
            local line="${COMP_LINE:0:COMP_POINT}" candidates
            candidates="$(command llmkube "[suggest:${#line}]" "$line" 2>/dev/null)" || return 0
            local IFS=$'\n'
            COMPREPLY=($(compgen -W "$candidates" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _llmkube_complete llmkube

        """;

    private const string Zsh = """
        #compdef llmkube
        # zsh completion for llmkube. Load it with:  source <(llmkube completion zsh)
        _llmkube() {
            local line="${(j: :)words[1,CURRENT]}"
            local -a candidates
            candidates=("${(@f)$(command llmkube "[suggest:${#line}]" "$line" 2>/dev/null)}")
            compadd -a candidates
        }
        compdef _llmkube llmkube

        """;

    private const string Fish = """
        # fish completion for llmkube. Load it with:  llmkube completion fish | source
        function __llmkube_complete
            set -l line (commandline -cp)
            command llmkube "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null
        end
        complete -c llmkube -f -a '(__llmkube_complete)'

        """;

    private const string PowerShell = """
        # PowerShell completion for llmkube. Load it with:  llmkube completion pwsh | Out-String | Invoke-Expression
        Register-ArgumentCompleter -Native -CommandName llmkube -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            $line = $commandAst.ToString()
            $position = $cursorPosition - $commandAst.Extent.StartOffset
            & llmkube "[suggest:$position]" "$line" 2>$null | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }

        """;
}
