using System.Globalization;
using LlmKube.Sandbox.Api;

namespace LlmKube.Sandbox.Selectors;

/// <summary>A parsed label selector (<c>a=b,c!=d,e in (x,y),f notin (z),g,!h</c>).</summary>
internal sealed class LabelSelector
{
    private readonly IReadOnlyList<Requirement> _requirements;

    private LabelSelector(IReadOnlyList<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var requirement in _requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            if (term.Length == 0)
            {
                continue;
            }

            requirements.Add(ParseTerm(term, text));
        }

        return new LabelSelector(requirements);
    }

    private static Requirement ParseTerm(string term, string whole)
    {
        if (term.StartsWith('!'))
        {
            return new Requirement(Key(term[1..], whole), Op.DoesNotExist, []);
        }

        foreach (var (token, op) in new[] { ("!=", Op.NotEquals), ("==", Op.Equals), ("=", Op.Equals), (">", Op.GreaterThan), ("<", Op.LessThan) })
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at > 0 && !term[..at].Contains(' ', StringComparison.Ordinal))
            {
                return new Requirement(Key(term[..at], whole), op, [term[(at + token.Length)..].Trim()]);
            }
        }

        var words = term.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 2)
        {
            var rest = words[1];
            Op? setOp = rest.StartsWith("notin", StringComparison.Ordinal) ? Op.NotIn : rest.StartsWith("in", StringComparison.Ordinal) ? Op.In : null;
            var open = rest.IndexOf('(', StringComparison.Ordinal);
            var close = rest.LastIndexOf(')');
            if (setOp is null || open < 0 || close < open)
            {
                throw Invalid(whole);
            }

            var values = rest[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return new Requirement(Key(words[0], whole), setOp.Value, values);
        }

        return new Requirement(Key(term, whole), Op.Exists, []);
    }

    private static string Key(string key, string whole)
    {
        key = key.Trim();
        if (key.Length == 0 || key.Contains(' ', StringComparison.Ordinal))
        {
            throw Invalid(whole);
        }

        return key;
    }

    private static ApiException Invalid(string text) =>
        ApiException.BadRequest($"unable to parse requirement: found '{text}', expected: identifier");

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private enum Op
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan,
    }

    private sealed record Requirement(string Key, Op Operator, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Operator switch
            {
                Op.Equals => has && value == Values[0],
                Op.NotEquals => !has || value != Values[0],
                Op.In => has && Values.Contains(value),
                Op.NotIn => !has || !Values.Contains(value),
                Op.Exists => has,
                Op.DoesNotExist => !has,
                Op.GreaterThan => has && Compare(value!, Values[0]) > 0,
                Op.LessThan => has && Compare(value!, Values[0]) < 0,
                _ => false,
            };
        }

        private static int Compare(string left, string right) =>
            long.TryParse(left, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) &&
            long.TryParse(right, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)
                ? l.CompareTo(r)
                : 0;
    }
}
