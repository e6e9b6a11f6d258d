using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;

namespace LlmKube.Api.Validation;

/// <summary>
/// Semantic checks the schema cannot express. Pure; used by the operator (status and events) and by
/// <c>render</c> (stderr and exit code), so both say the same thing about the same manifest.
/// </summary>
public static partial class SpecChecks
{
    /// <summary>The service name becomes a Service name (DNS-1123 label) and a label value.</summary>
    public const int MaxServiceNameLength = 63;

    public static IReadOnlyList<SpecIssue> CheckModel(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var spec = model.Spec;
        var issues = new List<SpecIssue>();
        if (UserInfo().IsMatch(spec.Source ?? ""))
        {
            // Nothing else is said about this source: every other message would quote it, secret included.
            return [new(IssueSeverity.Invalid, IssueReasons.InvalidSource, "spec.source",
                "credentials in the source URL (user:password@host) are refused, because they would be copied into the Deployment, its pods and their logs: "
                + "put them in a Secret and name it in spec.sourceSecretRef (keys HF_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")];
        }

        var source = ModelSource.Parse(spec.Source);
        if (source.Kind == SourceKind.Invalid)
        {
            issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidSource, "spec.source", source.Error!));
        }

        if (CacheKeys.IsMultiFile(spec) && source.Kind is not (SourceKind.HuggingFaceRepo or SourceKind.S3 or SourceKind.Invalid))
        {
            issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidFileSet, spec.Files is { Count: > 0 } ? "spec.files" : "spec.mmproj",
                $"multi-file staging needs an hf://org/repo[@rev] repository or an s3://bucket/prefix source, not \"{ModelSource.ForMessages(spec.Source)}\""));
        }

        if (!CacheKeys.IsMultiFile(spec) && source.Kind is SourceKind.Http or SourceKind.HuggingFaceFile or SourceKind.S3 or SourceKind.Local
            && (SourceFileNameTooLong().IsMatch(spec.Source!) || !CacheFileNames.Fits(ModelFileName.FromSource(spec.Source!))))
        {
            issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidSource, "spec.source",
                $"the file name taken from spec.source (its last path segment) does not fit the cache volume: {CacheFileNames.Explanation}"));
        }

        foreach (var (field, file) in (spec.Files ?? []).Select((f, i) => ($"spec.files[{i}]", f)).Append(("spec.mmproj", spec.Mmproj ?? "")))
        {
            // The schema enforces this too; checked again so no builder ever puts ".." into a path.
            if (file.Length > 0 && !RelativePath().IsMatch(file))
            {
                issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidFileSet, field,
                    $"\"{file}\" must be a relative path inside the repository, without empty, '.' or '..' segments"));
            }
            else if (file.Length > 0 && ReservedFileName().IsMatch(file))
            {
                issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidFileSet, field,
                    $"\"{file}\" names one of the fetcher's own files (a dot-name containing .llmkube: its lock, sidecars, partial downloads)"));
            }
            else if (file.Length > 0 && !CacheFileNames.Admits(file))
            {
                issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidFileSet, field,
                    $"\"{(file.Length > 40 ? file[..40] + "…" : file)}\" does not fit the cache volume: {CacheFileNames.Explanation}"));
            }
        }

        if (spec.Mmproj is { Length: > 0 } && spec.Files is not { Count: > 0 } && source.Kind is SourceKind.HuggingFaceRepo or SourceKind.S3)
        {
            issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidFileSet, "spec.files",
                "spec.mmproj is set but spec.files is empty: list the model file first (files[0] is the file the server loads)"));
        }

        if (spec.Hardware?.Accelerator == Accelerators.Metal)
        {
            issues.Add(new(IssueSeverity.NotSupported, IssueReasons.FieldNotSupported, "spec.hardware.accelerator",
                "\"metal\" is not supported: upstream serves Metal models through a macOS host agent; this operator only runs pods"));
        }

        issues.AddRange(NotSupportedFields.Find(spec, "spec"));
        return issues;
    }

    /// <summary>Checks a service, together with its Model when known (some rules need both).</summary>
    public static IReadOnlyList<SpecIssue> CheckService(InferenceService service, Model? model)
    {
        ArgumentNullException.ThrowIfNull(service);
        var spec = service.Spec;
        var issues = new List<SpecIssue>();
        if (spec.Runtime is { Length: > 0 } runtime && runtime != Runtimes.LlamaCpp)
        {
            issues.Add(new(IssueSeverity.NotSupported, IssueReasons.FieldNotSupported, "spec.runtime",
                $"\"{runtime}\" is not supported: this operator serves the llamacpp runtime only"));
        }

        if (service.Metadata?.Name is { Length: > MaxServiceNameLength } name)
        {
            issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidSpec, "metadata.name",
                $"\"{name}\" is {name.Length} characters long; at most {MaxServiceNameLength} are allowed, because it becomes a Service name and a label value"));
        }

        issues.AddRange(NotSupportedFields.Find(spec, "spec"));
        CheckQuantities(spec.Resources, issues);
        CheckCacheAndEndpoint(spec, issues);
        if (model is not null)
        {
            CheckModelForService(spec, model, issues);
        }

        return issues;
    }

    private static void CheckQuantities(ServiceResources? resources, List<SpecIssue> issues)
    {
        foreach (var (field, value) in new[]
                 {
                     ("cpu", resources?.Cpu), ("memory", resources?.Memory),
                     ("hostMemory", resources?.HostMemory), ("ephemeralStorage", resources?.EphemeralStorage),
                 })
        {
            if (value is not null && !TryParseQuantity(value))
            {
                issues.Add(new(IssueSeverity.Invalid, IssueReasons.InvalidSpec, $"spec.resources.{field}",
                    $"\"{value}\" is not a Kubernetes quantity (for example 500m, 4Gi, 40Gi)"));
            }
        }
    }

    public static bool TryParseQuantity(string value)
    {
        try
        {
            var quantity = new ResourceQuantity(value);
            return quantity.ToDecimal() >= 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            return false;
        }
    }

    private static void CheckCacheAndEndpoint(InferenceServiceSpec spec, List<SpecIssue> issues)
    {
        if (spec.ModelCache?.Persistence == CachePersistence.Ephemeral && string.IsNullOrEmpty(spec.Resources?.EphemeralStorage))
        {
            issues.Add(new(IssueSeverity.Warning, IssueReasons.UnboundedEphemeralCache, "spec.resources.ephemeralStorage",
                "persistence is Ephemeral but no ephemeralStorage budget is set: the weights go to node disk with no limit and no scheduler accounting"));
        }

        if (spec.Endpoint?.NodePort is not null && (spec.Endpoint.Type ?? ServiceTypes.ClusterIP) != ServiceTypes.NodePort)
        {
            issues.Add(new(IssueSeverity.Ignored, IssueReasons.FieldIgnored, "spec.endpoint.nodePort",
                "is only used when spec.endpoint.type is NodePort; ignored"));
        }
    }

    private static void CheckModelForService(InferenceServiceSpec spec, Model model, List<SpecIssue> issues)
    {
        var modelSpec = model.Spec;
        var skipInit = spec.SkipModelInit == true;
        var modelName = model.Metadata?.Name ?? spec.ModelRef;
        var hasImage = !string.IsNullOrEmpty(spec.Image);

        if (modelSpec.Format is { Length: > 0 } format && format != ModelFormats.Gguf)
        {
            issues.Add(new(IssueSeverity.NotSupported, IssueReasons.FieldNotSupported, "spec.modelRef",
                $"Model {modelName} has spec.format \"{format}\": llama.cpp serves GGUF models only"));
        }

        var source = ModelSource.Parse(modelSpec.Source);
        if (source.Kind == SourceKind.HuggingFaceRepo && !CacheKeys.IsMultiFile(modelSpec) && !skipInit)
        {
            issues.Add(new(IssueSeverity.NotSupported, IssueReasons.MissingSkipModelInit, "spec.modelRef",
                $"Model {modelName} has source \"{ModelSource.ForMessages(modelSpec.Source)}\", a Hugging Face repository, not a file: point it at a GGUF file (hf://org/repo/file.gguf), list spec.files, or set spec.skipModelInit when the image brings the model"));
        }

        var gpu = modelSpec.Hardware?.Gpu;
        if (!hasImage)
        {
            if (gpu?.Vendor is GpuVendors.Amd or GpuVendors.Intel)
            {
                issues.Add(NoDefaultImage(modelName, "spec.hardware.gpu.vendor", gpu.Vendor));
            }
            else if (gpu?.Runtime is { Length: > 0 } gpuRuntime)
            {
                issues.Add(NoDefaultImage(modelName, "spec.hardware.gpu.runtime", gpuRuntime));
            }
            else if (modelSpec.Hardware?.Accelerator is Accelerators.Rocm or Accelerators.Intel or Accelerators.Vulkan)
            {
                issues.Add(NoDefaultImage(modelName, "spec.hardware.accelerator", modelSpec.Hardware.Accelerator));
            }
        }

        if (gpu?.Enabled == true && gpu.Count is null or 0 && spec.Resources?.Gpu is null or 0)
        {
            issues.Add(new(IssueSeverity.Warning, IssueReasons.GpuNotRequested, "spec.resources.gpu",
                $"Model {modelName} has hardware.gpu.enabled but no GPU count, and this service sets no resources.gpu: the CUDA image is used but no GPU is requested"));
        }

        foreach (var issue in CheckModel(model).Where(i => i.StopsServing))
        {
            issues.Add(issue with { Field = "spec.modelRef", Message = $"Model {modelName}: {issue.Field}: {issue.Message}", FromModel = true });
        }
    }

    private static SpecIssue NoDefaultImage(string modelName, string field, string value) =>
        new(IssueSeverity.NotSupported, IssueReasons.FieldNotSupported, "spec.image",
            $"Model {modelName} has {field} \"{value}\", for which this operator has no default llama.cpp image: set spec.image to a build for that hardware");

    [System.Text.RegularExpressions.GeneratedRegex(Schema.Patterns.RelativeFilePath)]
    private static partial System.Text.RegularExpressions.Regex RelativePath();

    [System.Text.RegularExpressions.GeneratedRegex(Schema.Patterns.ReservedFileName)]
    private static partial System.Text.RegularExpressions.Regex ReservedFileName();

    [System.Text.RegularExpressions.GeneratedRegex(Schema.Patterns.SourceWithUserInfo)]
    private static partial System.Text.RegularExpressions.Regex UserInfo();

    [System.Text.RegularExpressions.GeneratedRegex(Schema.Patterns.SourceFileNameTooLong)]
    private static partial System.Text.RegularExpressions.Regex SourceFileNameTooLong();
}
