using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace LlmKube.Cli.Help;

/// <summary>
/// An "Examples:" section at the end of every command's <c>-h</c>. Every command has at least one, and every example
/// parses (tests/LlmKube.Cli.Tests/HelpTests), so the help cannot show a command line that no longer works.
/// </summary>
internal static class CommandExamples
{
    /// <summary>Examples by command path without the root ("" is the root itself).</summary>
    public static IReadOnlyDictionary<string, string[]> ByCommand { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [""] = ["llmkube sandbox up", "llmkube deploy phi-4-mini --wait", "llmkube list -A"],
        ["deploy"] =
        [
            "llmkube deploy phi-4-mini --wait",
            "llmkube deploy llama-3.1-8b --gpu --replicas 2",
            "llmkube deploy tiny --source hf://TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf",
            "llmkube deploy qwen-2.5-coder-7b --cache-claim my-models -n team-a",
            "llmkube deploy phi-4-mini --dry-run -o yaml",
        ],
        ["list"] = ["llmkube list", "llmkube list models -A", "llmkube list -o json"],
        ["status"] = ["llmkube status phi-4-mini", "llmkube status phi-4-mini -n team-a -o yaml"],
        ["delete"] = ["llmkube delete phi-4-mini", "llmkube delete phi-4-mini --purge-cache --yes"],
        ["scale"] = ["llmkube scale phi-4-mini -r 0", "llmkube scale phi-4-mini --replicas 3"],
        ["cache"] = ["llmkube cache list -A", "llmkube cache clear --model phi-4-mini --yes"],
        ["cache list"] = ["llmkube cache list", "llmkube cache list -A --orphaned", "llmkube cache list --no-read -o json"],
        ["cache inspect"] = ["llmkube cache inspect llmkube-model-cache", "llmkube cache inspect my-models -n team-a -o yaml"],
        ["cache clear"] =
        [
            "llmkube cache clear --model phi-4-mini --yes",
            "llmkube cache clear --claim llmkube-model-cache --key 0123456789abcdef",
        ],
        ["render"] =
        [
            "llmkube render -f examples/quickstart.yaml",
            "llmkube render -f examples/ --model-cache-mode perService -o json",
            "llmkube render -f examples/byo-cache.yaml --missing-claim my-model-cache",
        ],
        ["sandbox"] = ["llmkube sandbox up", "llmkube sandbox serve --simulate-pvc-binding --simulate-deployments"],
        ["sandbox serve"] = ["llmkube sandbox serve --port 6443 --simulate-pvc-binding --simulate-deployments"],
        ["sandbox up"] = ["llmkube sandbox up", "llmkube sandbox up -f examples/quickstart.yaml --once", "llmkube sandbox up --model-cache-mode perService"],
        ["version"] = ["llmkube version", "llmkube version --client", "llmkube version --operator-namespace llmkube -o json"],
        ["completion"] =
        [
            "source <(llmkube completion bash)        # in ~/.bashrc",
            "source <(llmkube completion zsh)         # in ~/.zshrc",
            "llmkube completion fish | source         # in ~/.config/fish/config.fish",
            "llmkube completion pwsh | Out-String | Invoke-Expression   # in $PROFILE",
        ],
        ["catalog"] = ["llmkube catalog list", "llmkube catalog show phi-4-mini"],
        ["catalog list"] = ["llmkube catalog list", "llmkube catalog list --tag code", "llmkube catalog list -o yaml"],
        ["catalog show"] = ["llmkube catalog show phi-4-mini", "llmkube catalog show llama-3.1-8b -o json"],
    };

    /// <summary>The path of a command below the root, as the keys of <see cref="ByCommand"/> spell it.</summary>
    public static string PathOf(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (var current = command; current is not null and not RootCommand; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, current.Name);
        }

        return string.Join(' ', names);
    }

    /// <summary>Adds the section to the help of every command under <paramref name="root"/> (the help option is recursive).</summary>
    public static void AddToHelp(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithExamples((HelpAction)help.Action!);
    }

    /// <summary>System.CommandLine's own help (its layout builder is not public), then the examples.</summary>
    private sealed class HelpWithExamples(HelpAction help) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            ArgumentNullException.ThrowIfNull(parseResult);
            var code = help.Invoke(parseResult);
            if (ByCommand.TryGetValue(PathOf(parseResult.CommandResult.Command), out var examples))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine("  " + example);
                }

                output.WriteLine();
            }

            return code;
        }
    }
}
