namespace LlmKube.Fetcher.Cli;

/// <summary>Walks `--flag value` and `--flag=value` pairs; positional arguments come back as they are.</summary>
internal sealed class ArgReader(IReadOnlyList<string> args)
{
    private int _index;
    private string? _inlineValue;

    public string? Next()
    {
        _inlineValue = null;
        if (_index >= args.Count)
        {
            return null;
        }

        var a = args[_index++];
        if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=', StringComparison.Ordinal) is var eq and > 2)
        {
            _inlineValue = a[(eq + 1)..];
            return a[..eq];
        }

        return a;
    }

    public string Value(string flag)
    {
        if (_inlineValue is not null)
        {
            return _inlineValue;
        }

        if (_index >= args.Count)
        {
            throw FetchOptionsParser.Usage($"{flag} needs a value");
        }

        return args[_index++];
    }
}
