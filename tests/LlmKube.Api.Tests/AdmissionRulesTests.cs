using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Schema;
using LlmKube.Api.Validation;

namespace LlmKube.Api.Tests;

/// <summary>
/// Findings 4 and 8 of issue 12 at admission: a source with URL userinfo is refused pointing to sourceSecretRef
/// (never echoing the secret), and a file name that would not fit NAME_MAX once the fetcher's dot-files sit beside it is
/// refused. The same rules run in the CRD (CEL, evaluated by the API server) and in SpecChecks (operator and render).
/// </summary>
public class AdmissionRulesTests
{
    [Theory]
    [InlineData("https://user:hunter2@example.com/m.gguf", "hunter2")]
    [InlineData("https://user:p%C3%A4ss@example.com/m.gguf", "p%C3%A4ss")]
    [InlineData("https://user:pässwörd@example.com/m.gguf", "pässwörd")]
    [InlineData("http://hf_tokenonly@example.com/m.gguf", "hf_tokenonly")]
    [InlineData("hf://user:hf_secret@org/repo/m.gguf", "hf_secret")]
    [InlineData("s3://AKIA:secret@bucket/m.gguf", "secret")]
    [InlineData("https://user:pa ss@example.com/m.gguf", "pa ss")]
    public void A_source_with_userinfo_is_refused_pointing_to_sourceSecretRef_without_echoing_it(string source, string secret)
    {
        var issues = SpecChecks.CheckModel(Model(source));

        var issue = Assert.Single(issues, i => i.StopsServing);
        Assert.Equal("spec.source", issue.Field);
        Assert.Contains("spec.sourceSecretRef", issue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, issue.Message, StringComparison.Ordinal);
        Assert.Matches(Patterns.SourceWithUserInfo, source);
    }

    [Theory]
    [InlineData("hf://org/repo@v1/m.gguf")]
    [InlineData("https://example.com/a@b/m.gguf")]
    [InlineData("https://example.com/m.gguf?sig=a@b")]
    [InlineData("s3://bucket/key@v2")]
    public void An_at_sign_outside_the_authority_is_not_userinfo(string source)
    {
        Assert.DoesNotMatch(Patterns.SourceWithUserInfo, source);
        Assert.DoesNotContain(SpecChecks.CheckModel(Model(source)), i => i.Message.Contains("sourceSecretRef", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(215, true)]
    [InlineData(216, false)]
    public void A_source_whose_file_name_would_not_fit_NAME_MAX_with_the_dot_files_is_refused(int stem, bool fits)
    {
        var source = "https://example.com/models/" + new string('a', stem) + ".gguf"; // stem + 5 bytes

        var issues = SpecChecks.CheckModel(Model(source)).Where(i => i.StopsServing).ToList();

        Assert.Equal(fits, issues.Count == 0);
        Assert.Equal(fits, !Regex.IsMatch(source, Patterns.SourceFileNameTooLong));
        if (!fits)
        {
            Assert.Equal("spec.source", Assert.Single(issues).Field);
            Assert.Contains("NAME_MAX", issues[0].Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("m.gguf", true)]
    [InlineData("sub/dir/m.gguf", true)]
    [InlineData("{215}.gguf", true)]
    [InlineData("{216}.gguf", false)]
    [InlineData("{255}/m.gguf", true)]
    [InlineData("{256}/m.gguf", false)]
    [InlineData("é{110}", true)]
    [InlineData("é{111}", false)]
    public void Files_and_mmproj_entries_must_fit_NAME_MAX_with_the_dot_files(string template, bool fits)
    {
        var name = Expand(template);
        var asFiles = SpecChecks.CheckModel(Model("hf://org/repo", files: [name])).Where(i => i.StopsServing).ToList();
        var asMmproj = SpecChecks.CheckModel(Model("hf://org/repo", files: ["m.gguf"], mmproj: name)).Where(i => i.StopsServing).ToList();

        Assert.Equal(fits, asFiles.Count == 0);
        Assert.Equal(fits, asMmproj.Count == 0);
        Assert.Equal(fits, CacheFileNames.Fits(name));
        if (!fits)
        {
            Assert.Equal("spec.files[0]", Assert.Single(asFiles).Field);
            Assert.Equal("spec.mmproj", Assert.Single(asMmproj).Field);
            Assert.Contains("NAME_MAX", asFiles[0].Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_crd_carries_both_rules_as_cel_and_bounds_every_string_they_read()
    {
        var spec = CrdDefinitions.Generate(XmlDocumentation.ForAssemblies(typeof(Model).Assembly))[0].Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];
        var source = spec.Properties["source"];
        var files = spec.Properties["files"];
        var mmproj = spec.Properties["mmproj"];

        Assert.Contains(source.XKubernetesValidations, r => r.Rule.Contains(Patterns.SourceWithUserInfo, StringComparison.Ordinal) && r.Message.Contains("spec.sourceSecretRef", StringComparison.Ordinal));
        Assert.Contains(source.XKubernetesValidations, r => r.Rule.Contains(Patterns.SourceFileNameTooLong, StringComparison.Ordinal) && r.Message.Contains("NAME_MAX", StringComparison.Ordinal));
        Assert.Contains(files.XKubernetesValidations, r => r.Rule.Contains(Patterns.AsciiPathFitsNameMax, StringComparison.Ordinal)
            && r.Rule.Contains("<= " + CacheFileNames.MaxModelFileNameBytes, StringComparison.Ordinal));
        Assert.Contains(mmproj.XKubernetesValidations, r => r.Rule.Contains(Patterns.AsciiPathFitsNameMax, StringComparison.Ordinal));
        // The API server estimates a rule's cost from the longest string it may read: every one is bounded.
        Assert.NotNull(source.MaxLength);
        Assert.NotNull(((V1JSONSchemaProps)files.Items).MaxLength);
        Assert.NotNull(mmproj.MaxLength);
    }

    /// <summary>
    /// The CEL rule is a sound approximation of the exact byte rule (it never admits what does not fit): for many
    /// generated paths, whenever the rule's two branches admit a path, <see cref="CacheFileNames.Fits"/> holds.
    /// </summary>
    [Fact]
    public void The_cel_file_rule_never_admits_a_path_the_exact_rule_refuses()
    {
        var random = new Random(12);
        var alphabet = "ab.-_ZéЖ中😀/".EnumerateRunes().Select(r => r.ToString()).ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(1, 600);
            var builder = new StringBuilder();
            while (builder.Length < length)
            {
                builder.Append(random.Next(10) < 8 ? "a" : alphabet[random.Next(alphabet.Length)]);
            }

            var path = builder.ToString().Trim('/');
            if (path.Length == 0 || path.Contains("//", StringComparison.Ordinal))
            {
                continue;
            }

            var admitted = Encoding.UTF8.GetByteCount(path) <= CacheFileNames.MaxModelFileNameBytes || Regex.IsMatch(path, Patterns.AsciiPathFitsNameMax);
            Assert.True(!admitted || CacheFileNames.Fits(path), $"admitted but does not fit: {path}");
        }
    }

    [Theory]
    [InlineData("https://user:pw@host/m.gguf?sig=abc#x", "https://REDACTED@host/m.gguf?sig=REDACTED#REDACTED")]
    [InlineData("https://host/a@b/m.gguf", "https://host/a@b/m.gguf")]
    [InlineData("hf://org/repo@rev/m.gguf", "hf://org/repo@rev/m.gguf")]
    [InlineData("s3://bucket/key?versionId=1", "s3://bucket/key?versionId=REDACTED")]
    [InlineData(null, "")]
    public void Sources_in_status_and_event_messages_lose_userinfo_and_query(string? source, string shown) =>
        Assert.Equal(shown, Sources.ModelSource.ForMessages(source));

    [Fact]
    public void No_spec_check_message_quotes_a_presigned_query()
    {
        var repo = Model("https://huggingface.co/org/repo?X-Amz-Signature=SECRET1");
        var multi = Model("https://x.example/m.gguf?sig=SECRET2", files: ["a.gguf"]);
        var service = new Services.InferenceService
        {
            Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "default" },
            Spec = new Services.InferenceServiceSpec { ModelRef = "m" },
        };

        var messages = SpecChecks.CheckService(service, repo).Concat(SpecChecks.CheckModel(multi)).Select(i => i.Message).ToList();

        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.DoesNotContain("SECRET", m, StringComparison.Ordinal));
    }

    private static string Expand(string template) =>
        Regex.Replace(template, @"(.)?\{(\d+)\}", m => new string(m.Groups[1].Success ? m.Groups[1].Value[0] : 'x', int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));

    private static Model Model(string source, IList<string>? files = null, string? mmproj = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "m", NamespaceProperty = "default" },
        Spec = new ModelSpec { Source = source, Files = files, Mmproj = mmproj },
    };
}
