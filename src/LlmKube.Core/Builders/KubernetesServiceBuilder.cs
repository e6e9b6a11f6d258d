using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;

namespace LlmKube.Core.Builders;

/// <summary>The Kubernetes Service in front of the server pods.</summary>
public static class KubernetesServiceBuilder
{
    public const string DefaultPath = "/v1/chat/completions";

    public static V1Service Build(InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var endpoint = service.Spec.Endpoint;
        var type = endpoint?.Type is { Length: > 0 } t ? t : ServiceTypes.ClusterIP;
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta
            {
                Name = ObjectLabels.KubernetesServiceName(service),
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = ObjectLabels.ForWorkload(service),
                OwnerReferences = [ObjectLabels.ControllerReference(service)],
            },
            Spec = new V1ServiceSpec
            {
                Type = type,
                Selector = ObjectLabels.Selector(service),
                Ports =
                [
                    new V1ServicePort
                    {
                        Name = ServerContainer.PortName,
                        Port = endpoint?.Port ?? ServerContainer.DefaultPort,
                        // The named port, not endpoint.port: a containerPort that differs still gets the traffic.
                        TargetPort = ServerContainer.PortName,
                        Protocol = "TCP",
                        NodePort = type == ServiceTypes.NodePort ? endpoint?.NodePort : null,
                    },
                ],
            },
        };
    }

    /// <summary><c>http://&lt;svc&gt;.&lt;ns&gt;.svc.cluster.local:&lt;port&gt;&lt;path&gt;</c> as upstream reports it.</summary>
    public static string EndpointUrl(InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var endpoint = service.Spec.Endpoint;
        var path = endpoint?.Path is { Length: > 0 } p ? p : DefaultPath;
        var port = endpoint?.Port ?? ServerContainer.DefaultPort;
        return $"http://{ObjectLabels.KubernetesServiceName(service)}.{service.Metadata.NamespaceProperty ?? "default"}.svc.cluster.local:{port}{path}";
    }
}
