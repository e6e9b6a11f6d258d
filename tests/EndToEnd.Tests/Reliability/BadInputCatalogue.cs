namespace EndToEnd.Tests.Reliability;

/// <summary>What should happen to a bad manifest: rejected at admission naming a field, or admitted and explained in status.</summary>
public sealed record BadInput(string Name, string Yaml, string? RejectedNaming = null, string? StatusKind = null, string? StatusReason = null, string? StatusMentions = null)
{
    public override string ToString() => Name;
}

/// <summary>Issue 8, suite 4: malformed and hostile manifests.</summary>
internal static class BadInputCatalogue
{
    private static string Model(string name, string spec) => $"apiVersion: inference.llmkube.dev/v1alpha1\nkind: Model\nmetadata: {{name: {name}}}\nspec:\n{spec}\n";

    private static string Service(string name, string spec) => $"apiVersion: inference.llmkube.dev/v1alpha1\nkind: InferenceService\nmetadata: {{name: \"{name}\"}}\nspec:\n{spec}\n";

    private static BadInput RejectModel(string name, string spec, string field) => new(name, Model(name, spec), RejectedNaming: field);

    private static BadInput RejectService(string name, string spec, string field) => new(name, Service(name, "  modelRef: good-model\n" + spec), RejectedNaming: field);

    public static IEnumerable<BadInput> All()
    {
        // Rejected at admission: schema, patterns, bounds, enums, CEL, names.
        yield return RejectModel("bad-scheme", "  source: ftp://example.com/m.gguf", "spec.source");
        yield return RejectModel("empty-source", "  source: \"\"", "spec.source");
        yield return RejectModel("no-source", "  format: gguf", "spec.source");
        yield return RejectModel("bad-sha", "  source: https://x/m.gguf\n  sha256: xyz", "spec.sha256");
        yield return RejectModel("bad-policy", "  source: https://x/m.gguf\n  refreshPolicy: Always", "spec.refreshPolicy");
        yield return RejectModel("traversal-files", "  source: hf://org/repo\n  files: [\"../../etc/passwd\"]", "spec.files");
        yield return RejectModel("absolute-files", "  source: hf://org/repo\n  files: [\"/etc/shadow\"]", "spec.files");
        yield return RejectModel("traversal-mmproj", "  source: hf://org/repo\n  files: [a.gguf]\n  mmproj: \"../x.gguf\"", "spec.mmproj");
        yield return RejectModel("gpu-nine", "  source: https://x/m.gguf\n  hardware: {gpu: {count: 9}}", "spec.hardware.gpu.count");
        yield return RejectModel("gpu-negative", "  source: https://x/m.gguf\n  hardware: {gpu: {count: -1}}", "spec.hardware.gpu.count");
        yield return RejectModel("layers-negative", "  source: https://x/m.gguf\n  hardware: {gpu: {layers: -5}}", "spec.hardware.gpu.layers");
        yield return RejectModel("accelerator-tpu", "  source: https://x/m.gguf\n  hardware: {accelerator: tpu}", "spec.hardware.accelerator");
        yield return RejectModel("format-onnx", "  source: https://x/m.gguf\n  format: onnx", "spec.format");
        yield return RejectModel("memory-lots", "  source: https://x/m.gguf\n  resources: {memory: lots}", "spec.resources.memory");
        yield return RejectModel("resource-name", "  source: https://x/m.gguf\n  hardware: {gpu: {resourceName: \"NVIDIA GPU\"}}", "spec.hardware.gpu.resourceName");
        yield return RejectModel("source-userinfo", "  source: https://user:hunter2@x.example/m.gguf", "spec.sourceSecretRef");
        yield return RejectModel("source-token-userinfo", "  source: hf://hf_token1234@org/repo/m.gguf", "spec.sourceSecretRef");
        yield return RejectModel("source-name-too-long", $"  source: https://x.example/{new string('a', 216)}.gguf", "NAME_MAX");
        yield return RejectModel("files-name-too-long", $"  source: hf://org/repo\n  files: [\"{new string('b', 216)}.gguf\"]", "NAME_MAX");
        yield return RejectModel("files-multibyte-too-long", $"  source: hf://org/repo\n  files: [\"{new string('é', 111)}\"]", "NAME_MAX");
        yield return RejectModel("mmproj-too-long", $"  source: hf://org/repo\n  files: [a.gguf]\n  mmproj: \"{new string('c', 221)}\"", "NAME_MAX");
        yield return new BadInput("Bad_Name", Model("Bad_Name", "  source: https://x/m.gguf"), RejectedNaming: "metadata.name");
        yield return new BadInput("ünïcode-name", Model("ünïcode", "  source: https://x/m.gguf"), RejectedNaming: "metadata.name");
        yield return RejectService("replicas-eleven", "  replicas: 11", "spec.replicas");
        yield return RejectService("replicas-negative", "  replicas: -1", "spec.replicas");
        yield return RejectService("context-huge", "  contextSize: 99999999999", "spec.contextSize");
        yield return RejectService("context-tiny", "  contextSize: 64", "spec.contextSize");
        yield return RejectService("slots-zero", "  parallelSlots: 0", "spec.parallelSlots");
        yield return RejectService("port-big", "  endpoint: {port: 70000}", "spec.endpoint.port");
        yield return RejectService("type-ingress", "  endpoint: {type: Ingress}", "spec.endpoint.type");
        yield return RejectService("nodeport-low", "  endpoint: {type: NodePort, nodePort: 80}", "spec.endpoint.nodePort");
        yield return RejectService("ephemeral-and-claim", "  modelCache: {claimName: team-cache, persistence: Ephemeral}", "claimName cannot be set when persistence is Ephemeral");
        yield return RejectService("claim-not-dns", "  modelCache: {claimName: My_Claim}", "spec.modelCache.claimName");
        yield return RejectService("claim-too-long", $"  modelCache: {{claimName: {new string('a', 300)}}}", "spec.modelCache.claimName");
        yield return RejectService("persistence-sometimes", "  modelCache: {persistence: Sometimes}", "spec.modelCache.persistence");
        yield return RejectService("memory-4gb", "  resources: {memory: 4GB}", "spec.resources.memory");
        yield return RejectService("cpu-negative", "  resources: {cpu: \"-2\"}", "spec.resources.cpu");
        yield return RejectService("storage-space", "  resources: {ephemeralStorage: \"40 Gi\"}", "spec.resources.ephemeralStorage");
        yield return RejectService("gpu-hundred", "  resources: {gpu: 100}", "spec.resources.gpu");
        yield return new BadInput("no-model-ref", Service("no-model-ref", "  replicas: 1"), RejectedNaming: "spec.modelRef");
        yield return RejectService("unknown-field", "  replica: 2", "spec.replica");
        yield return RejectService("runtime-triton", "  runtime: triton", "spec.runtime");
        yield return RejectService("mode-chat2", "  mode: chat2", "spec.mode");
        yield return RejectService("cache-type-q2", "  cacheTypeK: q2", "spec.cacheTypeK");
        yield return RejectService("priority-urgent", "  priority: urgent", "spec.priority");
        yield return RejectService("replicas-string", "  replicas: many", "spec.replicas");

        // Admitted, then explained in status (and events) by the operator.
        yield return new BadInput("missing-model", Service("missing-model", "  modelRef: does-not-exist"), StatusKind: "isvc", StatusReason: "ModelNotFound", StatusMentions: "spec.modelRef");
        yield return new BadInput("absent-claim", Service("absent-claim", "  modelRef: good-model\n  modelCache: {claimName: absent-claim}"), StatusKind: "isvc", StatusReason: "ModelCachePVCNotFound", StatusMentions: "spec.modelCache.claimName");
        yield return new BadInput("claim-in-other-namespace", Service("claim-in-other-namespace", "  modelRef: good-model\n  modelCache: {claimName: elsewhere-cache}"), StatusKind: "isvc", StatusReason: "ModelCachePVCNotFound", StatusMentions: "was not found in namespace");
        yield return new BadInput("runtime-vllm", Service("runtime-vllm", "  modelRef: good-model\n  runtime: vllm"), StatusKind: "isvc", StatusReason: "FieldNotSupported", StatusMentions: "spec.runtime");
        yield return new BadInput("metal-model", Model("metal-model", "  source: https://x/m.gguf\n  hardware: {accelerator: metal}") + "---\n" + Service("on-metal", "  modelRef: metal-model"), StatusKind: "isvc:on-metal", StatusReason: "ModelFailed", StatusMentions: "spec.hardware.accelerator");
        yield return new BadInput("missing-pvc-source", Model("missing-pvc-source", "  source: pvc://nope/m.gguf") + "---\n" + Service("on-missing-pvc", "  modelRef: missing-pvc-source"), StatusKind: "isvc:on-missing-pvc", StatusReason: "ModelFailed", StatusMentions: "nope");
        yield return new BadInput("host-path", Model("host-path", "  source: /etc/passwd"), StatusKind: "model", StatusReason: "SourceNotAllowed", StatusMentions: "--allowed-host-path-roots");
        yield return new BadInput("name-too-long", Service(new string('n', 70), "  modelRef: good-model"), StatusKind: "isvc:" + new string('n', 70), StatusReason: "InvalidSpec", StatusMentions: "metadata.name");
        yield return new BadInput("unicode-and-long-strings", Service("unicode-strings", "  modelRef: good-model\n  env: [{name: GREETING, value: \"こんにちは 🦙 " + new string('x', 10_000) + "\"}]\n  extraArgs: [\"--alias\", \"模型\"]"), StatusKind: "isvc:unicode-strings", StatusReason: "InferenceReady", StatusMentions: "replicas ready");
    }
}
