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
/// Unlike upstream it never sets spec.image: the operator picks the image.
/// </summary>
internal static class DeployCommand
{
    public static Command Create(CliEnvironment environment)
    {
        var name = new Argument<string>("NAME") { Description = "Name of both the Model and the InferenceService." };
        var source = new Option<string>("--source", "-s") { Description = "Where the weights come from: https://…, hf://org/repo[@rev]/file.gguf, s3://bucket/key, pvc://claim/path, file:///path.", Required = true };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected sha256 of the model file (64 hex); verified while the bytes stream." };
        var replicas = new Option<int>("--replicas", "-r") { Description = "Replicas (0-10).", DefaultValueFactory = _ => 1 };
        var gpu = new Option<bool>("--gpu") { Description = "Serve on NVIDIA GPUs: CUDA image, hardware.gpu.enabled, and --gpu-count GPUs per pod." };
        var gpuCount = new Option<int?>("--gpu-count") { Description = "GPUs per pod (1-8, default 1); implies --gpu." };
        var context = new Option<int?>("--context") { Description = "llama.cpp context size in tokens (spec.contextSize)." };
        var cacheClaim = new Option<string?>("--cache-claim") { Description = "Keep the weights on this PersistentVolumeClaim of yours (spec.modelCache.claimName); it is only read, never changed." };
        var ephemeral = new Option<bool>("--ephemeral") { Description = "No cache claim: an emptyDir, downloaded again at every pod start (spec.modelCache.persistence: Ephemeral)." };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the service is Ready (exit 0), Failed (exit 1) or --timeout passes (exit 4), showing progress." };
        var timeout = new Option<string>("--timeout") { Description = "How long --wait waits (30s, 10m, 1h).", DefaultValueFactory = _ => "10m" };
        var options = new ClusterOptions(allNamespaces: false);
        var command = new Command("deploy", "Create a Model and an InferenceService named NAME from flags (validated before anything is created), optionally waiting until Ready.")
        {
            name, source, sha256, replicas, gpu, gpuCount, context, cacheClaim, ephemeral, wait, timeout,
        };
        options.AddTo(command);
        command.SetClusterAction(options, environment, async (session, parse, ct) =>
        {
            var request = new DeployRequest(
                parse.GetValue(name)!, session.Namespace, parse.GetValue(source)!, parse.GetValue(sha256), parse.GetValue(replicas),
                parse.GetValue(gpu) || parse.GetValue(gpuCount) is not null, parse.GetValue(gpuCount), parse.GetValue(context),
                parse.GetValue(cacheClaim), parse.GetValue(ephemeral));
            var waitFor = parse.GetValue(wait) ? Durations.Parse(parse.GetValue(timeout), "--timeout") : (TimeSpan?)null;
            return await RunAsync(session, request, waitFor, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClusterSession session, DeployRequest request, TimeSpan? waitFor, CancellationToken ct)
    {
        var (model, service) = request.Build();
        await ValidateAsync(session.Console, model, service).ConfigureAwait(false);
        var subject = $"{request.Namespace}/{request.Name}";
        if (await session.Api.GetModelAsync(request.Namespace, request.Name, ct).ConfigureAwait(false) is not null)
        {
            throw CliException.Refused($"model {subject} already exists: pick another NAME, or remove it first with llmkube delete {request.Name} -n {request.Namespace}");
        }

        if (await session.Api.GetInferenceServiceAsync(request.Namespace, request.Name, ct).ConfigureAwait(false) is not null)
        {
            throw CliException.Refused($"inferenceservice {subject} already exists: pick another NAME, or remove it first with llmkube delete {request.Name} -n {request.Namespace}");
        }

        if (request.CacheClaim is { } claim && await session.Api.GetClaimAsync(request.Namespace, claim, ct).ConfigureAwait(false) is null)
        {
            await session.Console.WarnAsync($"PersistentVolumeClaim {claim} does not exist in namespace {request.Namespace}: the service stays Failed (ModelCachePVCNotFound) until you create it; it never falls back to another cache").ConfigureAwait(false);
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
            await session.Api.DeleteCustomAsync(request.Namespace, Model.Plural, request.Name, CancellationToken.None).ConfigureAwait(false);
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
            var outcome = await new DeployWaiter(session, request.Namespace, request.Name, timeout).RunAsync(ct).ConfigureAwait(false);
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
    private static async Task ValidateAsync(CliConsole console, Model model, InferenceService service)
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

/// <summary>What deploy was asked for.</summary>
internal sealed record DeployRequest(
    string Name, string Namespace, string Source, string? Sha256, int Replicas, bool Gpu, int? GpuCount, int? ContextSize, string? CacheClaim, bool Ephemeral)
{
    public (Model Model, InferenceService Service) Build()
    {
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
                Source = Source,
                Sha256 = string.IsNullOrEmpty(Sha256) ? null : Sha256,
                Hardware = gpus is null ? null : new ModelHardware { Accelerator = Accelerators.Cuda, Gpu = new GpuSpec { Enabled = true, Count = gpus } },
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
                Resources = gpus is null ? null : new ServiceResources { Gpu = gpus },
                ModelCache = CacheClaim is not null ? new ModelCacheSpec { ClaimName = CacheClaim }
                    : Ephemeral ? new ModelCacheSpec { Persistence = CachePersistence.Ephemeral }
                    : null,
            },
        };
        return (model, service);
    }
}
