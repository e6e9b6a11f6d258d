namespace LlmKube.Sandbox.Api;

/// <summary>The <c>fieldValidation</c> directive of a write.</summary>
internal enum FieldValidation
{
    Ignore,
    Warn,
    Strict,
}

/// <summary>Which endpoint of an object a request addresses.</summary>
internal enum Subresource
{
    None,
    Status,
    Scale,
}

/// <summary>Per-write options and the warnings the write produces (sent back as <c>Warning</c> headers).</summary>
internal sealed class WriteContext
{
    public FieldValidation FieldValidation { get; init; } = FieldValidation.Warn;

    public bool DryRun { get; init; }

    public string? FieldManager { get; init; }

    public bool Force { get; init; }

    public string User { get; init; } = string.Empty;

    /// <summary>Writes by the sandbox's own controllers: no admission, status kept on create.</summary>
    public bool Internal { get; init; }

    public List<string> Warnings { get; } = [];

    public static WriteContext Controller() => new() { Internal = true, User = "system:sandbox-controller" };
}
