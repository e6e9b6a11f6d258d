using System.CommandLine;
using LlmKube.Cli.Output;
using LlmKube.Contracts;

namespace LlmKube.Cli.Cluster;

/// <summary>
/// The flags every cluster command takes: --kubeconfig, -n/--namespace, -o table|json|yaml, and -A where listing
/// makes sense. Added per command (not recursively on the root) because render and sandbox have their own -n/-o.
/// </summary>
internal sealed class ClusterOptions
{
    public ClusterOptions(bool allNamespaces)
    {
        if (allNamespaces)
        {
            AllNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "Every namespace instead of one." };
        }
    }

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig")
    {
        Description = "Kubeconfig file (default: the first existing file in $KUBECONFIG, else ~/.kube/config).",
    };

    public Option<string?> Namespace { get; } = new("--namespace", "-n")
    {
        Description = "Namespace (default: the kubeconfig context's namespace, else default).",
    };

    public Option<bool>? AllNamespaces { get; }

    public Option<string?> OperatorNamespace { get; } = new("--operator-namespace")
    {
        Description = $"Namespace where the operator runs and publishes its configuration (default: ${OperatorConfigMap.NamespaceEnvironment}, else {OperatorConfigMap.DefaultNamespace}).",
    };

    public Option<string> Output { get; } = CreateOutput();

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(Kubeconfig);
        command.Add(Namespace);
        if (AllNamespaces is not null)
        {
            command.Add(AllNamespaces);
        }

        command.Add(Output);
        command.Add(OperatorNamespace);
    }

    private static Option<string> CreateOutput()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "table (for people), json or yaml (for scripts).",
            DefaultValueFactory = _ => Documents.Table,
        };
        option.AcceptOnlyFromAmong(Documents.Table, Documents.Json, Documents.Yaml);
        return option;
    }
}
