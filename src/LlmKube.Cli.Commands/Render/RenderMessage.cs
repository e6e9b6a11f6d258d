namespace LlmKube.Cli.Render;

internal enum RenderLevel
{
    /// <summary>The manifest would be rejected or cannot be served; render exits non-zero.</summary>
    Error,

    /// <summary>Valid, but asks for something not supported: nothing is rendered for that object.</summary>
    NotRendered,

    /// <summary>Rendered, with something the user should know (an ignored claim, an ignored field).</summary>
    Warning,

    /// <summary>Informational: cache wiring, skipped documents.</summary>
    Note,
}

/// <summary>One line on stderr: level, the object it is about, and the text (field, value and fix).</summary>
internal sealed record RenderMessage(RenderLevel Level, string Subject, string Text)
{
    public override string ToString()
    {
        var prefix = Level switch
        {
            RenderLevel.Error => "error",
            RenderLevel.NotRendered => "not rendered",
            RenderLevel.Warning => "warning",
            _ => "note",
        };
        return $"{prefix}: {Subject}: {Text}";
    }
}
