using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using LlmKube.Admission;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Validation;
using LlmKube.Cli.Manifests;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.Render;

/// <summary>The result of rendering: the objects the operator would create, and what to tell the user.</summary>
internal sealed record RenderResult(IReadOnlyList<IKubernetesObject> Objects, IReadOnlyList<RenderMessage> Messages)
{
    public bool HasErrors => Messages.Any(m => m.Level == RenderLevel.Error);
}

/// <summary>
/// Offline simulation of the operator: admits Models and InferenceServices as the API server would,
/// runs the same checks and builders as the reconcilers, and collects the objects they would create.
/// </summary>
internal sealed class RenderPipeline(RenderRequest request)
{
    private readonly CustomResourceAdmission _admission = OurCrds.Admission();
    private readonly List<RenderMessage> _messages = [];

    public RenderResult Run(IReadOnlyList<ManifestDocument> documents)
    {
        var models = new Dictionary<(string Namespace, string Name), Model>();
        var services = new List<InferenceService>();
        foreach (var document in documents)
        {
            Admit(document, models, services);
        }

        foreach (var model in models.Values)
        {
            Report(Subject(model), SpecChecks.CheckModel(model));
        }

        var objects = new List<IKubernetesObject>();
        var sharedClaims = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            RenderService(service, models, objects, sharedClaims);
        }

        return new RenderResult(_messages.Any(m => m.Level == RenderLevel.Error) ? [] : objects, _messages);
    }

    private void Admit(ManifestDocument document, Dictionary<(string, string), Model> models, List<InferenceService> services)
    {
        var subject = document.Describe(request.DefaultNamespace);
        if (document.ApiVersion != ApiGroup.ApiVersion || document.Kind is not (Model.KindName or InferenceService.KindName))
        {
            var ours = document.ApiVersion.StartsWith(ApiGroup.Group + "/", StringComparison.Ordinal);
            _messages.Add(new(ours ? RenderLevel.Warning : RenderLevel.Note, $"{document.ApiVersion} {subject}",
                ours ? "this kind or version is not supported by this operator; skipped" : "not an llmkube resource; render prints only what the operator creates, skipped"));
            return;
        }

        var outcome = _admission.Admit(document.Object);
        foreach (var error in outcome.Errors)
        {
            _messages.Add(new(RenderLevel.Error, subject, $"{error} ({document.File}, document {document.Index})"));
        }

        if (outcome.Errors.Count > 0)
        {
            return;
        }

        var admitted = outcome.Object;
        admitted["metadata"]!["namespace"] ??= request.DefaultNamespace;
        if (document.Kind == Model.KindName)
        {
            var model = Deserialize<Model>(admitted, subject);
            if (model is not null)
            {
                SimulateModelController(model);
                AddUnique(models, (model.Metadata.NamespaceProperty, model.Metadata.Name), model, subject);
            }
        }
        else if (Deserialize<InferenceService>(admitted, subject) is { } service)
        {
            service.Metadata.Uid ??= "00000000-0000-0000-0000-000000000000";
            services.RemoveAll(s => s.Metadata.NamespaceProperty == service.Metadata.NamespaceProperty && s.Metadata.Name == service.Metadata.Name);
            services.Add(service);
        }
    }

    private void RenderService(InferenceService service, Dictionary<(string, string), Model> models, List<IKubernetesObject> objects, HashSet<string> sharedClaims)
    {
        var subject = Subject(service);
        if (!models.TryGetValue((service.Metadata.NamespaceProperty, service.Spec.ModelRef), out var model))
        {
            _messages.Add(new(RenderLevel.Error, subject,
                $"spec.modelRef: Model \"{service.Spec.ModelRef}\" is not among the input manifests in namespace {service.Metadata.NamespaceProperty}; render needs the Model in the same input"));
            return;
        }

        var state = DesiredState.For(model, service, request.Settings);
        // The Model's own findings were reported with the Model; here only say what they do to the service.
        Report(subject, state.Issues.Where(i => !i.FromModel));
        if (state.Issues.Any(i => i.FromModel))
        {
            _messages.Add(new(RenderLevel.NotRendered, subject, $"spec.modelRef: {Subject(model)} cannot be served (see above); the operator sets phase Failed"));
            return;
        }

        if (state.Plan.IgnoredClaimReason is { } ignored)
        {
            _messages.Add(new(RenderLevel.Warning, subject, ignored + " (event ModelCacheClaimIgnored)"));
        }

        if (!state.Serves)
        {
            return;
        }

        if (state.Plan.ClaimName is { } claim && request.MissingClaims.Contains(claim) && (state.Plan.Claim?.Kind == CacheClaimKind.User || state.Plan.Volume == ModelVolumeKind.PvcSource))
        {
            _messages.Add(new(RenderLevel.NotRendered, subject, MissingClaimMessage(service, state.Plan)));
            return;
        }

        _messages.Add(new(RenderLevel.Note, subject, "cache: " + state.Plan.Describe()));
        if (state.Claim is { } provisioned && (state.Plan.Claim?.Kind != CacheClaimKind.Shared || sharedClaims.Add(service.Metadata.NamespaceProperty)))
        {
            objects.Add(provisioned);
        }

        objects.Add(state.Deployment!);
        objects.Add(state.KubernetesService!);
    }

    private static string MissingClaimMessage(InferenceService service, CachePlan plan) => plan.Claim?.Kind == CacheClaimKind.User
        ? $"spec.modelCache.claimName: PersistentVolumeClaim \"{plan.ClaimName}\" not found in namespace {service.Metadata.NamespaceProperty}: create it or remove the field; the operator sets phase Failed with Degraded=True (ModelCachePVCNotFound) and never falls back to another cache"
        : $"the Model's pvc:// claim \"{plan.ClaimName}\" is not found in namespace {service.Metadata.NamespaceProperty}: the Model is Failed (PVCNotFound) and the service waits";

    // What the Model controller records before services can use the Model: Ready with its cache key.
    private static void SimulateModelController(Model model) =>
        model.Status = new ModelStatus { Phase = ModelPhases.Ready, CacheKey = CacheKeys.ForSpec(model.Spec) };

    private T? Deserialize<T>(JsonObject obj, string subject)
        where T : class
    {
        try
        {
            return KubernetesJson.Deserialize<T>(obj.ToJsonString());
        }
        catch (JsonException e)
        {
            _messages.Add(new(RenderLevel.Error, subject, $"{e.Path?.TrimStart('$', '.') ?? "(document)"}: {e.Message}"));
            return null;
        }
    }

    private void AddUnique(Dictionary<(string, string), Model> models, (string, string) key, Model model, string subject)
    {
        if (models.ContainsKey(key))
        {
            _messages.Add(new(RenderLevel.Warning, subject, "appears more than once in the input; the last one wins, as with kubectl apply"));
        }

        models[key] = model;
    }

    private void Report(string subject, IEnumerable<SpecIssue> issues)
    {
        foreach (var issue in issues)
        {
            var level = issue.Severity switch
            {
                IssueSeverity.Invalid => RenderLevel.Error,
                IssueSeverity.NotSupported => RenderLevel.NotRendered,
                _ => RenderLevel.Warning,
            };
            _messages.Add(new(level, subject, $"{issue.Field}: {issue.Message} ({issue.Reason})"));
        }
    }

    private static string Subject(Model model) => $"model {model.Metadata.NamespaceProperty}/{model.Metadata.Name}";

    private static string Subject(InferenceService service) => $"inferenceservice {service.Metadata.NamespaceProperty}/{service.Metadata.Name}";
}
