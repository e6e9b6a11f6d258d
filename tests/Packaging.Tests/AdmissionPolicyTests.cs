using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;
using k8s;
using LlmKube.Admission;
using LlmKube.Api.Services;
using LlmKube.Operator.Configuration;

namespace Packaging.Tests;

/// <summary>
/// The chart's opt-in ValidatingAdmissionPolicy (charts/llmkube/templates/admissionpolicy.yaml) and the operator's
/// workload policy are the same rules: for every case here, each chart value set is rendered, every expression of the
/// policy is evaluated (CEL, with <c>object</c> bound) and the API server's verdict must equal the operator's, with the
/// operator started from the flags the same chart renders.
/// </summary>
public sealed class AdmissionPolicyTests
{
    private static readonly CelRules Cel = new();

    /// <summary>spec fragments (JSON) a namespace user might write; "" is a plain service.</summary>
    private static readonly string[] Specs =
    [
        "",
        """{"securityContext":{"privileged":true}}""",
        """{"securityContext":{"privileged":false,"capabilities":{"add":["NET_BIND_SERVICE","CHOWN"],"drop":["ALL"]}}}""",
        """{"securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}""",
        """{"securityContext":{"seccompProfile":{"type":"Unconfined"}}}""",
        """{"podSecurityContext":{"seccompProfile":{"type":"Unconfined"}}}""",
        """{"podSecurityContext":{"runAsUser":0,"fsGroup":2000,"seccompProfile":{"type":"RuntimeDefault"}}}""",
        """{"podSecurityContext":{"appArmorProfile":{"type":"Unconfined"}}}""",
        """{"securityContext":{"procMount":"Unmasked"}}""",
        """{"securityContext":{"seLinuxOptions":{"type":"spc_t"}}}""",
        """{"securityContext":{"seLinuxOptions":{"level":"s0:c123,c456"}}}""",
        """{"podSecurityContext":{"windowsOptions":{"hostProcess":true}}}""",
        """{"podSecurityContext":{"sysctls":[{"name":"kernel.msgmax","value":"1"}]}}""",
        """{"podSecurityContext":{"sysctls":[{"name":"net.ipv4.tcp_syncookies","value":"1"}]}}""",
        """{"probeOverrides":{"liveness":{"httpGet":{"host":"169.254.169.254","path":"/","port":80}}}}""",
        """{"probeOverrides":{"startup":{"tcpSocket":{"host":"10.0.0.1","port":22}}}}""",
        """{"probeOverrides":{"readiness":{"httpGet":{"path":"/health","port":"http"}}}}""",
        """{"priorityClassName":"system-node-critical"}""",
        """{"priorityClassName":"llmkube-high"}""",
        """{"extraVolumes":[{"name":"t","projected":{"sources":[{"serviceAccountToken":{"path":"token"}}]}}]}""",
        """{"extraVolumes":[{"name":"c","projected":{"sources":[{"configMap":{"name":"x"}}]}}]}""",
        """{"extraVolumes":[{"name":"etc","hostPath":{"path":"/etc"}}]}""",
        """{"extraVolumes":[{"name":"w","hostPath":{"path":"/srv/models/llama"}}]}""",
        """{"extraVolumes":[{"name":"w","hostPath":{"path":"/srv/models/../../etc"}}]}""",
        """{"extraVolumes":[{"name":"w","hostPath":{"path":"/srv/modelsx/a"}}]}""",
        """{"extraVolumes":[{"name":"model-cache","emptyDir":{}}]}""",
        """{"extraVolumeMounts":[{"name":"model-cache","mountPath":"/steal"}]}""",
        """{"extraVolumeMounts":[{"name":"host-model","mountPath":"/steal"}]}""",
        """{"image":"evil.example/miner:latest"}""",
        """{"image":"ghcr.io/ggml-org/llama.cpp:server-b5000"}""",
    ];

    public static TheoryData<string> ValueSets => new()
    {
        "policy.admissionPolicy.enabled=true",
        "policy.admissionPolicy.enabled=true,modelSource.allowedHostPathRoots={/srv/models},policy.allowedImages={ghcr.io/ggml-org/}",
        "policy.admissionPolicy.enabled=true,policy.podSecurityLevel=privileged,modelSource.allowedHostPathRoots={/srv/models}",
    };

    [HelmTheory]
    [MemberData(nameof(ValueSets))]
    public async Task The_admission_policy_and_the_operator_give_the_same_verdict(string sets)
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync(sets));
        var policy = Assert.Single(objects, o => (string?)o["kind"] == "ValidatingAdmissionPolicy");
        var binding = Assert.Single(objects, o => (string?)o["kind"] == "ValidatingAdmissionPolicyBinding");
        Assert.Equal((string?)policy["metadata"]!["name"], (string?)binding["spec"]!["policyName"]);
        Assert.Equal("Deny", (string?)binding["spec"]!["validationActions"]![0]);
        var commandLine = new OperatorCommandLine();
        var (options, errors) = commandLine.Bind(commandLine.Command.Parse(Rendered.Args(objects)));
        Assert.True(errors.Count == 0, string.Join("; ", errors));
        var settings = options!.Workload();
        var validations = policy["spec"]!["validations"]!.AsArray().Select(v => ((string)v!["expression"]!, (string)v["message"]!)).ToList();

        var mismatches = new List<string>();
        var verdicts = new List<bool>();
        foreach (var fragment in Specs)
        {
            var spec = JsonNode.Parse(fragment.Length == 0 ? "{}" : fragment)!.AsObject();
            spec["modelRef"] = "m";
            var service = new JsonObject { ["apiVersion"] = "inference.llmkube.dev/v1alpha1", ["kind"] = "InferenceService", ["metadata"] = new JsonObject { ["name"] = "chat", ["namespace"] = "team" }, ["spec"] = spec };
            var denied = new List<string>();
            foreach (var (expression, message) in validations)
            {
                var (outcome, _, error) = Cel.Evaluate(expression, new Dictionary<string, JsonNode?> { ["object"] = service });
                Assert.True(outcome is CelOutcome.Passed or CelOutcome.Failed, $"{expression}: {outcome} {error}");
                if (outcome == CelOutcome.Failed)
                {
                    denied.Add(message);
                }
            }

            var refused = LlmKube.Core.Policy.WorkloadPolicy.Check(KubernetesJson.Deserialize<InferenceService>(service.ToJsonString()).Spec, settings).ToList();
            verdicts.Add(denied.Count > 0);
            if ((denied.Count > 0) != (refused.Count > 0))
            {
                mismatches.Add($"{fragment}: admission [{string.Join("; ", denied)}] vs operator [{string.Join("; ", refused)}]");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.Contains(true, verdicts); // the cases exercise both answers under every value set
        Assert.Contains(false, verdicts);
    }

    [HelmFact]
    public async Task The_admission_policy_is_off_by_default()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync());
        Assert.DoesNotContain(objects, o => ((string?)o["kind"])?.StartsWith("ValidatingAdmissionPolicy", StringComparison.Ordinal) == true);
    }
}
