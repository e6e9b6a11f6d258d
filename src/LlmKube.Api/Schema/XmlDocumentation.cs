using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace LlmKube.Api.Schema;

/// <summary>
/// The <c>&lt;summary&gt;</c> of types and properties, read from the XML documentation files the C# compiler writes
/// (ours: <c>LlmKube.Api.xml</c>; KubernetesClient ships its own for the Kubernetes types we embed). They become the
/// CRD field descriptions that <c>kubectl explain</c> prints, so the code and the explanation cannot drift.
/// Text is made plain: <c>&lt;c&gt;</c> and <c>&lt;see cref&gt;</c> become their text, blank lines and
/// <c>&lt;para&gt;</c> separate paragraphs, other line breaks are spaces.
/// </summary>
public sealed partial class XmlDocumentation
{
    private const char ParagraphBreak = '\u2029';
    private readonly Dictionary<string, string> _summaries;

    private XmlDocumentation(Dictionary<string, string> summaries)
    {
        _summaries = summaries;
    }

    /// <summary>No descriptions at all.</summary>
    public static XmlDocumentation Empty { get; } = new([]);

    /// <summary>
    /// Reads the documentation file beside each assembly (<c>Name.dll</c> → <c>Name.xml</c>). A missing file is an
    /// error naming it: a build without documentation must not produce CRDs without descriptions.
    /// </summary>
    public static XmlDocumentation ForAssemblies(params Assembly[] assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assembly in assemblies.Distinct())
        {
            var path = Path.ChangeExtension(assembly.Location, ".xml");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"XML documentation of {assembly.GetName().Name} not found at {path}: build with GenerateDocumentationFile (ours) or CopyDocumentationFilesFromPackages (NuGet packages)",
                    path);
            }

            Read(path, summaries);
        }

        return new XmlDocumentation(summaries);
    }

    /// <summary>The property's summary, or null when it has none.</summary>
    public string? Describe(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var declaring = property.DeclaringType!;
        return _summaries.GetValueOrDefault($"P:{MemberTypeName(declaring)}.{property.Name}");
    }

    /// <summary>The type's summary, or null when it has none.</summary>
    public string? Describe(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return _summaries.GetValueOrDefault($"T:{MemberTypeName(type)}");
    }

    // Member ids name generic type definitions with a backtick arity (CustomResource`2) and nested types with dots.
    private static string MemberTypeName(Type type) =>
        (type.IsGenericType ? type.GetGenericTypeDefinition() : type).FullName!.Replace('+', '.');

    private static void Read(string path, Dictionary<string, string> into)
    {
        // KubernetesClient's file is 25 MB: stream it and keep only the summaries of types and properties.
        using var reader = XmlReader.Create(path, new XmlReaderSettings { IgnoreComments = true, DtdProcessing = DtdProcessing.Prohibit });
        while (reader.ReadToFollowing("member"))
        {
            var name = reader.GetAttribute("name");
            if (name is null || !(name.StartsWith("P:", StringComparison.Ordinal) || name.StartsWith("T:", StringComparison.Ordinal)))
            {
                continue;
            }

            var member = (XElement)XNode.ReadFrom(reader);
            if (member.Element("summary") is { } summary && Plain(summary) is { Length: > 0 } text)
            {
                into[name] = text;
            }
        }
    }

    private static string Plain(XElement summary)
    {
        var raw = new StringBuilder();
        Append(summary, raw);
        var paragraphs = raw.ToString()
            .Split(ParagraphBreak)
            .Select(p => string.Join(' ', p.Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries)))
            .Where(p => p.Length > 0);
        return string.Join("\n\n", paragraphs);
    }

    private static void Append(XElement element, StringBuilder into)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    // A blank line is a paragraph break, as in KubernetesClient's summaries.
                    into.Append(BlankLines().Replace(text.Value, ParagraphBreak.ToString()));
                    break;
                case XElement { Name.LocalName: "para" } para:
                    into.Append(ParagraphBreak);
                    Append(para, into);
                    into.Append(ParagraphBreak);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    into.Append(see.Value.Length > 0 ? see.Value : CrefText(see));
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    into.Append(reference.Attribute("name")?.Value);
                    break;
                case XElement other:
                    Append(other, into);
                    break;
            }
        }
    }

    private static string CrefText(XElement see)
    {
        if (see.Attribute("langword")?.Value is { } word)
        {
            return word;
        }

        var cref = see.Attribute("cref")?.Value ?? see.Attribute("href")?.Value ?? string.Empty;
        var name = cref.Contains(':', StringComparison.Ordinal) ? cref[(cref.IndexOf(':', StringComparison.Ordinal) + 1)..] : cref;
        return name[(name.LastIndexOf('.') + 1)..];
    }

    [GeneratedRegex(@"\r?\n[ \t]*(\r?\n[ \t]*)+")]
    private static partial Regex BlankLines();
}
