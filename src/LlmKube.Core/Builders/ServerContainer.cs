using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Builders;

/// <summary>The llama.cpp server container: image, arguments, the named port, probes and resources.</summary>
public static class ServerContainer
{
    public const string Name = "llama-server";
    public const string PortName = "http";
    public const int DefaultPort = 8080;
    public const string HealthPath = "/health";

    /// <summary>containerPort, else endpoint.port, else 8080.</summary>
    public static int Port(InferenceServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.ContainerPort ?? spec.Endpoint?.Port ?? DefaultPort;
    }

    public static string Image(ModelSpec model, InferenceServiceSpec service, GpuRequest gpu, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        if (service.Image is { Length: > 0 } image)
        {
            return image;
        }

        return GpuRequest.WantsCuda(model, gpu) ? settings.ServerCudaImage : settings.ServerImage;
    }

    public static V1Container Build(Model model, InferenceService service, WorkloadSettings settings, CachePlan plan, GpuRequest gpu, V1VolumeMount? modelMount)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        var spec = service.Spec;
        var port = Port(spec);
        var mounts = new List<V1VolumeMount>();
        if (modelMount is not null)
        {
            mounts.Add(modelMount);
        }

        mounts.AddRange(spec.ExtraVolumeMounts ?? []);
        return new V1Container
        {
            Name = Name,
            Image = Image(model.Spec, spec, gpu, settings),
            Args = LlamaCppArgs.Build(model.Spec, spec, plan, gpu, port),
            Ports = [new V1ContainerPort { Name = PortName, ContainerPort = port, Protocol = "TCP" }],
            Env = spec.Env is { Count: > 0 } env ? [.. env] : null,
            Resources = Resources(spec.Resources, gpu),
            VolumeMounts = mounts.Count > 0 ? mounts : null,
            StartupProbe = spec.ProbeOverrides?.Startup ?? Probe(periodSeconds: 10, failureThreshold: 180),
            LivenessProbe = spec.ProbeOverrides?.Liveness ?? Probe(periodSeconds: 15, failureThreshold: 3),
            ReadinessProbe = spec.ProbeOverrides?.Readiness ?? Probe(periodSeconds: 10, failureThreshold: 3),
            SecurityContext = spec.SecurityContext ?? new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
            TerminationMessagePolicy = "FallbackToLogsOnError",
        };
    }

    /// <summary>Requests for cpu/memory (hostMemory wins), ephemeral storage as request and limit, GPUs as limit.</summary>
    public static V1ResourceRequirements? Resources(ServiceResources? resources, GpuRequest gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        if (resources?.Cpu is { Length: > 0 } cpu)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if ((resources?.HostMemory is { Length: > 0 } ? resources.HostMemory : resources?.Memory) is { Length: > 0 } memory)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        if (resources?.EphemeralStorage is { Length: > 0 } storage)
        {
            requests["ephemeral-storage"] = new ResourceQuantity(storage);
            limits["ephemeral-storage"] = new ResourceQuantity(storage);
        }

        if (gpu.Any)
        {
            limits[gpu.ResourceName] = new ResourceQuantity(gpu.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return requests.Count == 0 && limits.Count == 0
            ? null
            : new V1ResourceRequirements { Requests = requests.Count > 0 ? requests : null, Limits = limits.Count > 0 ? limits : null };
    }

    // Model loading can take long: the startup probe allows up to 30 minutes (180 x 10 s), as upstream.
    private static V1Probe Probe(int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = HealthPath, Port = PortName },
        PeriodSeconds = periodSeconds,
        TimeoutSeconds = 5,
        FailureThreshold = failureThreshold,
    };
}
