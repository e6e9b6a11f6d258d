namespace EndToEnd.Tests.Support;

/// <summary>Small manifests for scenarios; the examples/ directory covers the realistic ones.</summary>
internal static class Manifests
{
    public static string Model(string name, string source = "https://example.invalid/models/tiny.gguf", string extra = "") => $"""
        apiVersion: inference.llmkube.dev/v1alpha1
        kind: Model
        metadata: {"{"}name: {name}{"}"}
        spec:
          source: "{source}"
        {extra}
        ---

        """;

    public static string Service(string name, string model, string extraSpec = "") => $"""
        apiVersion: inference.llmkube.dev/v1alpha1
        kind: InferenceService
        metadata: {"{"}name: {name}{"}"}
        spec:
          modelRef: {model}
        {extraSpec}
        ---

        """;

    public static string Claim(string name, string accessMode = "ReadWriteOnce") => $"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {name}
          labels: {"{"}owner: me{"}"}
          annotations: {"{"}note: mine{"}"}
        spec:
          accessModes: [{accessMode}]
          resources: {"{"}requests: {"{"}storage: 5Gi{"}"}{"}"}
        ---

        """;
}
