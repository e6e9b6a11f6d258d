using System.Text.Json.Nodes;

namespace LlmKube.Admission;

/// <summary>The admitted object (defaults applied, unknown fields pruned) and every error, each naming its field.</summary>
public sealed record AdmissionReport(JsonObject Object, IReadOnlyList<string> Errors);

/// <summary>
/// Admission of custom resources against their CRDs without a running server: the same pruning, defaulting,
/// schema and CEL checks the sandbox applies on create, so an offline tool (<c>llmkube render</c>) rejects
/// exactly what the emulated API server rejects. Unknown fields are errors, as under kubectl's default
/// <c>fieldValidation=Strict</c>.
/// </summary>
public sealed class CustomResourceAdmission
{
    private readonly Dictionary<(string Group, string Version, string Kind), JsonObject?> _schemas = [];
    private readonly SchemaValidator _validator;

    /// <param name="crds">CustomResourceDefinition objects (apiextensions.k8s.io/v1) as JSON.</param>
    public CustomResourceAdmission(IEnumerable<JsonObject> crds)
    {
        ArgumentNullException.ThrowIfNull(crds);
        _validator = new SchemaValidator(new CelRules());
        foreach (var crd in crds)
        {
            var group = (string?)crd["spec"]?["group"] ?? "";
            var kind = (string?)crd["spec"]?["names"]?["kind"] ?? "";
            foreach (var version in crd["spec"]?["versions"]?.AsArray() ?? [])
            {
                _schemas[(group, (string?)version?["name"] ?? "", kind)] = version?["schema"]?["openAPIV3Schema"] as JsonObject;
            }
        }
    }

    /// <summary>True when a CRD for this apiVersion and kind was given.</summary>
    public bool Knows(string apiVersion, string kind) => _schemas.ContainsKey(Split(apiVersion, kind));

    /// <summary>Admits a copy of <paramref name="obj"/> as a create; the input is not changed.</summary>
    public AdmissionReport Admit(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var copy = (JsonObject)obj.DeepClone();
        var key = Split((string?)copy["apiVersion"] ?? "", (string?)copy["kind"] ?? "");
        if (!_schemas.TryGetValue(key, out var schema))
        {
            return new AdmissionReport(copy, [$"no CustomResourceDefinition for {key.Group}/{key.Version} {key.Kind}"]);
        }

        var errors = new List<string>();
        var unknown = new List<string>();
        StructuralSchema.PruneRoot(copy, schema, unknown);
        errors.AddRange(unknown.Select(u => $"unknown field \"{u}\" (strict decoding error: it is not in the schema)"));
        StructuralSchema.Default(copy, schema);
        if (copy["metadata"] is not JsonObject meta)
        {
            meta = [];
            copy["metadata"] = meta;
        }

        var fieldErrors = new List<FieldError>();
        fieldErrors.AddRange(MetadataValidation.ValidateName((string?)meta["name"] ?? "", NameRule.Dns1123Subdomain));
        MetadataValidation.ValidateMeta(meta, fieldErrors, []);
        if (schema is not null)
        {
            fieldErrors.AddRange(_validator.Validate(copy, schema, old: null));
        }

        errors.AddRange(fieldErrors.Select(e => e.ToString()));
        return new AdmissionReport(copy, errors);
    }

    private static (string Group, string Version, string Kind) Split(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", apiVersion, kind) : (apiVersion[..slash], apiVersion[(slash + 1)..], kind);
    }
}
