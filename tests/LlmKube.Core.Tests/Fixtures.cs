using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Tests;

/// <summary>Small builders for test inputs: a Ready Model with its status key, a service, options.</summary>
internal static class Fixtures
{
    public const string HttpsSource = "https://example.com/models/tiny-Q4_K_M.gguf";
    public const string Namespace = "team-a";

    public static Model Model(string source = HttpsSource, Action<ModelSpec>? configure = null, bool withStatusKey = true)
    {
        var model = new Model
        {
            Metadata = new V1ObjectMeta { Name = "tiny", NamespaceProperty = Namespace, Uid = "model-uid" },
            Spec = new ModelSpec { Source = source },
        };
        configure?.Invoke(model.Spec);
        if (withStatusKey)
        {
            model.Status = new ModelStatus { Phase = "Ready", CacheKey = CacheKeys.ForSpec(model.Spec) };
        }

        return model;
    }

    public static InferenceService Service(Action<InferenceServiceSpec>? configure = null, string name = "chat")
    {
        var service = new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Uid = "isvc-uid", Generation = 1 },
            Spec = new InferenceServiceSpec { ModelRef = "tiny" },
        };
        configure?.Invoke(service.Spec);
        return service;
    }

    public static WorkloadSettings Options(Func<WorkloadSettings, WorkloadSettings>? configure = null)
    {
        var options = new WorkloadSettings { FetcherImage = "registry.local/fetch:1" };
        return configure is null ? options : configure(options);
    }

    public static DesiredState State(Model? model = null, InferenceService? service = null, WorkloadSettings? options = null) =>
        DesiredState.For(model ?? Model(), service ?? Service(), options ?? Options());

    public static V1PodSpec Pod(DesiredState state) =>
        (state.Deployment ?? throw new InvalidOperationException("nothing rendered: " + string.Join("; ", state.Issues))).Spec.Template.Spec;

    public static V1Container Server(DesiredState state) => Pod(state).Containers.Single();

    public static V1Container Init(DesiredState state, string name) => Pod(state).InitContainers.Single(c => c.Name == name);

    public static string? Env(V1Container container, string name) => container.Env?.SingleOrDefault(e => e.Name == name)?.Value;

    public static string Key(string source = HttpsSource) => CacheKeys.Compute(source);
}
