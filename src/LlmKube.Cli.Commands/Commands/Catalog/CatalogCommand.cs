using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Cli.Catalog;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;

namespace LlmKube.Cli.Commands.Catalog;

/// <summary>
/// <c>llmkube catalog list|show</c>: the models <c>llmkube deploy ID</c> knows (upstream's ids, sources and settings).
/// Offline: the catalog is embedded in the CLI.
/// </summary>
internal static class CatalogCommand
{
    private static readonly JsonSerializerOptions Camel = new(JsonSerializerDefaults.Web);

    public static Command Create(CliEnvironment environment)
    {
        var command = new Command("catalog", "The models llmkube deploy ID knows: ids, sources and the settings they deploy with (offline).");
        command.Add(List(environment));
        command.Add(Show(environment));
        return command;
    }

    private static Command List(CliEnvironment environment)
    {
        var tag = new Option<string?>("--tag") { Description = "Only models with this tag (e.g. code, small, recommended, reasoning)." };
        var output = OutputOption();
        var command = new Command("list", "List the catalog: ID NAME SIZE QUANT CONTEXT VRAM USE CASES.") { tag, output };
        command.Aliases.Add("ls");
        command.SetAction(async (parse, ct) =>
        {
            var console = environment.ConsoleFor(parse);
            var catalog = ModelCatalog.Default;
            var wanted = parse.GetValue(tag);
            var models = catalog.Models.Where(m => wanted is null || m.Tags.Contains(wanted, StringComparer.OrdinalIgnoreCase)).ToList();
            var format = Documents.Parse(parse.GetValue(output));
            if (format != OutputFormat.Table)
            {
                await Documents.WriteAsync(console.Out, format, new JsonObject
                {
                    ["version"] = catalog.Version,
                    ["models"] = new JsonArray(models.Select(ToNode).ToArray()),
                }).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            if (models.Count == 0)
            {
                var tags = catalog.Models.SelectMany(m => m.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
                await console.NoteAsync($"no catalog model has the tag '{wanted}'; tags: {string.Join(", ", tags)}").ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var table = new TextTable("ID", "NAME", "SIZE", "QUANT", "CONTEXT", "VRAM", "USE CASES");
            foreach (var model in models)
            {
                table.Add(model.Id, model.Name, model.Size, model.Quantization, model.ContextSize.ToString(CultureInfo.InvariantCulture), model.VramEstimate, string.Join(",", model.UseCases));
            }

            await table.WriteAsync(console).ConfigureAwait(false);
            await console.NoteAsync("deploy one with: llmkube deploy ID [--gpu]; details: llmkube catalog show ID").ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show(CliEnvironment environment)
    {
        var id = new Argument<string>("ID") { Description = "A catalog id, as llmkube catalog list prints it." };
        id.CompletionSources.Add(_ => ModelCatalog.Default.Models.Select(m => m.Id));
        var output = OutputOption();
        var command = new Command("show", "Show one catalog model: source, sha256, settings, resources, and how to deploy it.") { id, output };
        command.Aliases.Add("info");
        command.SetAction(async (parse, ct) =>
        {
            var console = environment.ConsoleFor(parse);
            CatalogModel model;
            try
            {
                model = Lookup(parse.GetValue(id)!);
            }
            catch (CliException e)
            {
                await console.ErrorLineAsync(e.Message).ConfigureAwait(false);
                return e.ExitCode;
            }

            var format = Documents.Parse(parse.GetValue(output));
            if (format != OutputFormat.Table)
            {
                await Documents.WriteAsync(console.Out, format, ToNode(model)).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            string[] lines =
            [
                $"ID:            {model.Id}",
                $"Name:          {model.Name}",
                $"Description:   {model.Description}",
                $"Size:          {model.Size} parameters, {model.Quantization}",
                $"Source:        {model.Source}",
                $"sha256:        {model.Sha256 ?? "not known: the download is not verified (pass --sha256 HEX to llmkube deploy to verify it)"}",
                $"Context:       {model.ContextSize.ToString(CultureInfo.InvariantCulture)} tokens (spec.contextSize; --context overrides)",
                $"Resources:     cpu {model.Resources.Cpu}, memory {model.Resources.Memory}; with --gpu: gpu memory {model.Resources.GpuMemory}, {model.GpuLayers.ToString(CultureInfo.InvariantCulture)} layers offloaded",
                $"VRAM estimate: {model.VramEstimate}",
                $"Use cases:     {string.Join(", ", model.UseCases)}",
                $"Tags:          {string.Join(", ", model.Tags)}",
                $"Homepage:      {model.Homepage}",
                .. model.Notes is null ? Array.Empty<string>() : [$"Notes:         {model.Notes}"],
                "",
                $"Deploy:        llmkube deploy {model.Id} [--gpu] [--wait]   (see it first: llmkube deploy {model.Id} --dry-run -o yaml)",
            ];
            foreach (var line in lines)
            {
                await console.Out.WriteLineAsync(line).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The catalog model with this id, or a not-found error that suggests the nearest ids.</summary>
    private static CatalogModel Lookup(string id) =>
        ModelCatalog.Default.Find(id) ?? throw CliException.NotFound(ModelCatalog.Default.NotFoundMessage(id));

    private static JsonNode ToNode(CatalogModel model) => JsonSerializer.SerializeToNode(model, Camel)!;

    /// <summary>-o table|json|yaml, the same option the cluster commands take (this command needs none of their others).</summary>
    private static Option<string> OutputOption() => new ClusterOptions(allNamespaces: false).Output;
}
