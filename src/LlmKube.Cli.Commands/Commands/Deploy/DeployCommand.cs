using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Validation;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Render;
using LlmKube.Cli.Wiring;

namespace LlmKube.Cli.Commands.Deploy;

/// <summary>
/// <c>llmkube deploy NAME --source URL</c>: creates a Model and an InferenceService named NAME, validated as the API
/// server and the operator would before anything is created; with --wait, follows them until Ready, Failed or --timeout.
/// Without --source, NAME is a catalog id and the catalog's source and settings are used (<see cref="CatalogDefaults"/>);
/// --dry-run prints what would be created without a cluster. Unlike upstream it never sets spec.image: the operator picks the image.
/// </summary>
internal static class DeployCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("NAME") { Description = "Name of both the Model and the InferenceService; without --source, a catalog id (llmkube catalog list)." };
        name.CompletionSources.Add(_ => Cli.Catalog.ModelCatalog.Default.Models.Select(m => m.Id));
        var source = new Option<string?>("--source", "-s") { Description = "Where the weights come from: https://…, hf://org/repo[@rev]/file.gguf, s3://bucket/key, pvc://claim/path, file:///path. Omit it to deploy the catalog model NAME." };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected sha256 of the model file (64 hex); verified while the bytes stream." };
        var replicas = new Option<int>("--replicas", "-r") { Description = "Replicas (0-10).", DefaultValueFactory = _ => 1 };
        var gpu = new Option<bool>("--gpu") { Description = "Serve on NVIDIA GPUs: CUDA image, hardware.gpu.enabled, and --gpu-count GPUs per pod." };
        var gpuCount = new Option<int?>("--gpu-count") { Description = "GPUs per pod (1-8, default 1); implies --gpu." };
        var context = new Option<int?>("--context") { Description = "llama.cpp context size in tokens (spec.contextSize)." };
        var cacheClaim = new Option<string?>("--cache-claim") { Description = "Keep the weights on this PersistentVolumeClaim of yours (spec.modelCache.claimName); it is only read, never changed." };
        var ephemeral = new Option<bool>("--ephemeral") { Description = "No cache claim: an emptyDir, downloaded again at every pod start (spec.modelCache.persistence: Ephemeral)." };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the service is Ready (exit 0), Failed (exit 1) or --timeout passes (exit 4), showing progress." };
        var timeout = new Option<string>("--timeout") { Description = "How long --wait waits (30s, 10m, 1h).", DefaultValueFactory = _ => "10m" };
        var cpu = new Option<string?>("--cpu") { Description = "CPU request of each pod (e.g. 2, 500m); a catalog model's by default." };
        var memory = new Option<string?>("--memory") { Description = "Memory request of each pod (e.g. 8Gi); a catalog model's by default." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only print what would be created (-o yaml or json: the objects), validated as for real; needs no cluster." };
        var options = new ClusterOptions(allNamespaces: false);
        var command = new Command("deploy", "Create a Model and an InferenceService named NAME from the catalog or from flags (validated before anything is created), optionally waiting until Ready.")
        {
            name, source, sha256, replicas, gpu, gpuCount, context, cpu, memory, cacheClaim, ephemeral, wait, timeout, dryRun,
        };
        options.AddTo(command);
        DeployRequest Request(ParseResult parse, string? ns) => CatalogDefaults.Apply(new DeployRequest(
            parse.GetValue(name)!, ns, parse.GetValue(source), parse.GetValue(sha256), parse.GetValue(replicas),
            parse.GetValue(gpu) || parse.GetValue(gpuCount) is not null, parse.GetValue(gpuCount), parse.GetValue(context),
            parse.GetValue(cacheClaim), parse.GetValue(ephemeral)) { Cpu = parse.GetValue(cpu), Memory = parse.GetValue(memory) });
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            var request = Request(parse, session.Namespace);
            var waitFor = parse.GetValue(wait) ? Durations.Parse(parse.GetValue(timeout), "--timeout") : (TimeSpan?)null;
            return await RunAsync(session, request, waitFor, ct).ConfigureAwait(false);
        });
        DeployDryRun.Wrap(command, environment, dryRun, parse => Request(parse, parse.GetValue(options.Namespace)), options.Output);
        return command;
    }

    private static async Task<int> RunAsync(ClusterSession session, DeployRequest request, TimeSpan? waitFor, CancellationToken ct)
    {
        var ns = request.Namespace ?? session.Namespace;
        var (model, service) = request.Build();
        await ValidateAsync(session.Console, model, service).ConfigureAwait(false);
        var subject = $"{ns}/{request.Name}";
        if (await session.Api.GetModelAsync(ns, request.Name, ct).ConfigureAwait(false) is not null)
        {
            throw CliException.Refused($"model {subject} already exists: pick another NAME, or remove it first with llmkube delete {request.Name} -n {ns}");
        }

        if (await session.Api.GetInferenceServiceAsync(ns, request.Name, ct).ConfigureAwait(false) is not null)
        {
            throw CliException.Refused($"inferenceservice {subject} already exists: pick another NAME, or remove it first with llmkube delete {request.Name} -n {ns}");
        }

        if (request.CacheClaim is { } claim && await session.Api.GetClaimAsync(ns, claim, ct).ConfigureAwait(false) is null)
        {
            await session.Console.WarnAsync($"PersistentVolumeClaim {claim} does not exist in namespace {ns}: the service stays Failed (ModelCachePVCNotFound) until you create it; it never falls back to another cache").ConfigureAwait(false);
        }

        var createdModel = await session.Api.CreateModelAsync(model, ct).ConfigureAwait(false);
        InferenceService createdService;
        try
        {
            createdService = await session.Api.CreateInferenceServiceAsync(service, ct).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Leave nothing half-made behind: the Model was created for this service only.
            await session.Api.DeleteCustomAsync(ns, Model.Plural, request.Name, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var human = session.Format == OutputFormat.Table;
        if (human)
        {
            var config = await OperatorConfig.ReadAsync(session.Api, session.OperatorNamespace, ct).ConfigureAwait(false);
            var wiring = ServiceWiring.Resolve(createdService, createdModel, config);
            await session.Console.Out.WriteLineAsync($"model {subject} created (source {request.Source})").ConfigureAwait(false);
            await session.Console.Out.WriteLineAsync($"inferenceservice {subject} created ({request.Replicas} replica{(request.Replicas == 1 ? "" : "s")})").ConfigureAwait(false);
            await session.Console.Out.WriteLineAsync($"cache: {wiring.Describe()} (until the operator reports it; see llmkube status {request.Name})").ConfigureAwait(false);
        }

        var code = ExitCodes.Ok;
        if (waitFor is { } timeout)
        {
            var outcome = await new DeployWaiter(session, ns, request.Name, timeout).RunAsync(ct).ConfigureAwait(false);
            (createdModel, createdService) = (outcome.Model ?? createdModel, outcome.Service ?? createdService);
            code = outcome.ExitCode;
        }

        if (!human)
        {
            await Documents.WriteAsync(session.Console.Out, session.Format, Documents.List([createdModel, createdService])).ConfigureAwait(false);
        }

        return code;
    }

    /// <summary>Admission as the API server would (our CRD schemas and CEL rules), then the operator's checks: nothing is created when either refuses.</summary>
    internal static async Task ValidateAsync(CliConsole console, Model model, InferenceService service)
    {
        var admission = OurCrds.Admission();
        foreach (var (kind, obj) in new (string, object)[] { (Model.KindName, model), (InferenceService.KindName, service) })
        {
            var outcome = admission.Admit((JsonObject)Documents.ToNode(obj));
            if (outcome.Errors.Count > 0)
            {
                throw CliException.Usage($"{kind.ToLowerInvariant()} {model.Metadata.Name} would be rejected: {string.Join("; ", outcome.Errors)} (nothing was created)");
            }
        }

        var issues = SpecChecks.CheckModel(model).Concat(SpecChecks.CheckService(service, model).Where(i => !i.FromModel)).ToList();
        if (issues.FirstOrDefault(i => i.StopsServing) is { } blocking)
        {
            throw CliException.Usage($"{blocking.Field}: {blocking.Message} ({blocking.Reason}; nothing was created)");
        }

        foreach (var issue in issues)
        {
            await console.WarnAsync($"{issue.Field}: {issue.Message} ({issue.Reason})").ConfigureAwait(false);
        }
    }
}

/// <summary>What deploy was asked for (no Namespace: printed without one by --dry-run; no Source: a catalog id until <see cref="CatalogDefaults"/> fills it).</summary>
internal sealed record DeployRequest(
    string Name, string? Namespace, string? Source, string? Sha256, int Replicas, bool Gpu, int? GpuCount, int? ContextSize, string? CacheClaim, bool Ephemeral)
{
    public string? Cpu { get; init; }

    public string? Memory { get; init; }

    /// <summary>From the catalog: spec.quantization of the Model, GPU layers and memory when it runs on a GPU.</summary>
    public string? Quantization { get; init; }

    public int? GpuLayers { get; init; }

    public string? GpuMemory { get; init; }

    /// <summary>The catalog entry the settings came from, if any.</summary>
    public string? CatalogId { get; init; }

    public (Model Model, InferenceService Service) Build()
    {
        var source = Source ?? throw new InvalidOperationException("deploy: no source (CatalogDefaults.Apply fills it from the catalog)");
        if (CacheClaim is not null && Ephemeral)
        {
            throw CliException.Usage("--cache-claim and --ephemeral cannot be used together: --cache-claim names a cache volume to use, --ephemeral declines to use any; pick one");
        }

        if (GpuCount is < 1 or > 8)
        {
            throw CliException.Usage($"--gpu-count {GpuCount}: must be between 1 and 8");
        }

        var gpus = Gpu ? GpuCount ?? 1 : (int?)null;
        var model = new Model
        {
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace },
            Spec = new ModelSpec
            {
                Source = source,
                Sha256 = string.IsNullOrEmpty(Sha256) ? null : Sha256,
                Quantization = Quantization,
                Hardware = gpus is null ? null : new ModelHardware { Accelerator = Accelerators.Cuda, Gpu = new GpuSpec { Enabled = true, Count = gpus, Layers = GpuLayers, Memory = GpuMemory } },
            },
        };
        var service = new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace },
            Spec = new InferenceServiceSpec
            {
                ModelRef = Name,
                Replicas = Replicas,
                ContextSize = ContextSize,
                Resources = gpus is null && Cpu is null && Memory is null ? null : new ServiceResources { Gpu = gpus, Cpu = Cpu, Memory = Memory, GpuMemory = gpus is null ? null : GpuMemory },
                ModelCache = CacheClaim is not null ? new ModelCacheSpec { ClaimName = CacheClaim }
                    : Ephemeral ? new ModelCacheSpec { Persistence = CachePersistence.Ephemeral }
                    : null,
            },
        };
        return (model, service);
    }
}
