using LlmKube.Contracts;

namespace LlmKube.Api.Validation;

public enum IssueSeverity
{
    /// <summary>The object cannot be served as written (admission would reject it, or it is self-contradictory).</summary>
    Invalid,

    /// <summary>Valid upstream, but asks for something this implementation does not do: nothing is deployed for it.</summary>
    NotSupported,

    /// <summary>A field without effect here; the rest is served.</summary>
    Ignored,

    /// <summary>Served as asked, but the user should know (for example an unbounded ephemeral cache).</summary>
    Warning,
}

/// <summary>One finding about a field, with the event/condition reason that reports it.</summary>
public sealed record SpecIssue(IssueSeverity Severity, string Reason, string Field, string Message)
{
    /// <summary>True for a Model's own finding repeated on a service that uses it.</summary>
    public bool FromModel { get; init; }

    public bool StopsServing => Severity is IssueSeverity.Invalid or IssueSeverity.NotSupported;

    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Event and condition reasons used for spec findings.</summary>
public static class IssueReasons
{
    public const string FieldNotSupported = "FieldNotSupported";
    /// <summary>The same word as the fetcher's failure for a source it cannot accept.</summary>
    public const string InvalidSource = nameof(FailureReason.InvalidSource);
    public const string InvalidFileSet = "InvalidFileSet";
    public const string InvalidSpec = "InvalidSpec";
    public const string UnboundedEphemeralCache = "UnboundedEphemeralCache";
    public const string MissingSkipModelInit = "MissingSkipModelInit";
    public const string GpuNotRequested = "GPUNotRequested";
    public const string FieldIgnored = "FieldIgnored";
}
