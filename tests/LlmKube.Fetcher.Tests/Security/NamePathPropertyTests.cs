using System.Globalization;
using System.Text;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Validation;
using LlmKube.Core;
using LlmKube.Core.Builders;
using LlmKube.Fetcher.Cache;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Fetch;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Issue 12's property test of name and path handling, across the operator's builders and the fetcher: for many
/// generated sources, <c>files</c> entries and <c>--dest</c> values (fixed seed; hostile characters, traversal, percent
/// escapes, non-ASCII, over-long segments), no path the operator hands the fetcher, and no path the fetcher would
/// create, leaves <c>/models/&lt;cacheKey&gt;/</c>, and every name created there fits NAME_MAX with the fetcher's
/// dot-files beside it. A Model the operator admits is never refused by the fetcher for its names.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NamePathPropertyTests
{
    private const int Cases = 4000;
    private static readonly string[] Schemes = ["https://", "http://", "hf://", "s3://", "file://", "/"];
    private static readonly string[] Hosts = ["x.example", "huggingface.co", "127.0.0.1:8080", "org", "bucket"];
    private static readonly string[] Awkward = ["..", ".", "%2e%2e", "%2F", "\\", "?", "#", "@", " ", "\t", "é", "中文", "😀", ".llmkube.lock", ".m.gguf.llmkube.json", "a.gguf", "..a", "-", "_"];

    [Fact]
    public void The_api_and_the_fetcher_agree_on_the_longest_dot_file()
    {
        Assert.Equal(CacheFileNames.LongestDotFileOverhead, CacheNames.LongestDotFileOverhead);
        Assert.Equal(CacheFileNames.MaxModelFileNameBytes, CacheNames.MaxModelFileNameBytes);
    }

    [Fact]
    public void Admitted_models_get_paths_inside_their_entry_whose_names_and_dot_files_fit_NAME_MAX()
    {
        var random = new Random(20260127);
        var admitted = 0;
        var multi = 0;
        for (var i = 0; i < Cases; i++)
        {
            var model = RandomModel(random);
            if (SpecChecks.CheckModel(model).Any(issue => issue.StopsServing))
            {
                continue;
            }

            model.Status = new ModelStatus { Phase = "Ready", CacheKey = CacheKeys.ForSpec(model.Spec) };
            var state = DesiredState.For(model, Service(), new WorkloadSettings { AllowedHostPathRoots = ["/"] });
            if (state.Deployment is null)
            {
                continue;
            }

            admitted++;
            var downloader = state.Deployment.Spec.Template.Spec.InitContainers?.SingleOrDefault(c => c.Name == FetcherContainers.DownloaderName);
            if (downloader is null)
            {
                continue; // pvc:// sources are mounted, nothing is written
            }

            var env = downloader.Env.Where(e => e.Value is not null).ToDictionary(e => e.Name, e => e.Value);
            var entry = "/models/" + model.Status.CacheKey;
            multi += env.ContainsKey(FetcherEnvironment.DestDir) ? 1 : 0;
            AssertInside(entry, env.GetValueOrDefault(FetcherEnvironment.Dest) ?? env[FetcherEnvironment.DestDir], model.Spec.Source);
            var serverArgs = state.Deployment.Spec.Template.Spec.Containers.Single().Args;
            AssertInside(entry, serverArgs[serverArgs.IndexOf("--model") + 1], model.Spec.Source);

            // The fetcher, given exactly this environment, accepts every name and creates nothing outside the entry.
            FetchOptions options;
            try
            {
                options = FetchOptionsParser.Parse([], env);
            }
            catch (FetchException e)
            {
                Assert.Fail($"the operator admitted {Describe(model)} but the fetcher refuses it: {e.Reason} {e.Message}");
                throw;
            }

            foreach (var (relative, path, _) in FetchCommand.Targets(options))
            {
                AssertInside(entry, path, model.Spec.Source);
                Assert.Equal(Path.GetFullPath(Path.Combine(entry, relative)), Path.GetFullPath(path));
                AssertEveryCreatedNameFits(relative);
            }
        }

        // The generator must reach the interesting part: many admitted models, single- and multi-file.
        Assert.True(admitted > Cases / 10, $"only {admitted} of {Cases} generated models were admitted");
        Assert.True(multi > Cases / 50, $"only {multi} multi-file models");
    }

    [Fact]
    public void Arbitrary_dest_and_file_values_are_refused_or_stay_inside_the_entry_with_names_that_fit()
    {
        var random = new Random(4711);
        var accepted = 0;
        for (var i = 0; i < Cases; i++)
        {
            var entry = "/models/" + Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64()));
            var env = random.Next(2) == 0
                ? new Dictionary<string, string> { [FetcherEnvironment.Source] = "https://x.example/m.gguf", [FetcherEnvironment.Dest] = entry + "/" + RandomPath(random, 1) }
                : new Dictionary<string, string> { [FetcherEnvironment.Source] = "hf://org/repo", [FetcherEnvironment.DestDir] = entry, [FetcherEnvironment.Files] = string.Join('\n', Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomPath(random, random.Next(1, 4)))) };
            FetchOptions options;
            try
            {
                options = FetchOptionsParser.Parse([], env);
            }
            catch (FetchException e) when (e.Reason is FailureReason.InvalidSource or FailureReason.InvalidArguments)
            {
                continue;
            }

            accepted++;
            foreach (var (relative, path, _) in FetchCommand.Targets(options))
            {
                // A --dest is one name in the entry: anything else would be a second entry or an escape.
                var parent = options.IsMultiFile ? entry : Path.GetDirectoryName(options.Dest!)!;
                AssertInside(parent, path, string.Join(" | ", env.Values));
                Assert.DoesNotContain(relative.Split('/'), s => s is "" or "." or "..");
                AssertEveryCreatedNameFits(relative);
            }
        }

        Assert.True(accepted > Cases / 10, $"only {accepted} of {Cases} generated values were accepted");
    }

    private static void AssertInside(string entry, string path, string context)
    {
        var full = Path.GetFullPath(path);
        Assert.True(full == entry || full.StartsWith(entry + "/", StringComparison.Ordinal), $"{path} leaves {entry} (source {context})");
        Assert.DoesNotContain(path.Split('/'), s => s is "." or "..");
    }

    /// <summary>Every directory, the model file and every dot-file the fetcher keeps beside it fit NAME_MAX.</summary>
    private static void AssertEveryCreatedNameFits(string relative)
    {
        var segments = relative.Split('/');
        var name = segments[^1];
        var created = segments[..^1].Append(name).Concat([
            CacheNames.SidecarName(name), CacheNames.SidecarTemp(name, "0123abcd"), CacheNames.PartialName(name, "0123abcd"),
            CacheNames.PartialState(CacheNames.PartialName(name, "0123abcd")), CacheNames.PartialStateTemp(CacheNames.PartialName(name, "0123abcd")),
        ]);
        Assert.All(created, n => Assert.True(Encoding.UTF8.GetByteCount(n) <= CacheFileNames.NameMax, $"{n.Length} characters, {Encoding.UTF8.GetByteCount(n)} bytes: {n[..Math.Min(40, n.Length)]}…"));
    }

    private static Model RandomModel(Random random)
    {
        var scheme = Schemes[random.Next(Schemes.Length)];
        var host = scheme == "/" ? "" : Hosts[random.Next(Hosts.Length)] + "/";
        var source = scheme + host + RandomPath(random, random.Next(0, 5)) + (random.Next(4) == 0 ? "?sig=" + RandomSegment(random) : "");
        var spec = new ModelSpec { Source = source };
        if (scheme is "hf://" or "s3://" && random.Next(2) == 0)
        {
            spec.Source = scheme + "org/" + (scheme == "hf://" ? "repo" : RandomSegment(random));
            spec.Files = [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomPath(random, random.Next(1, 4)))];
            spec.Mmproj = random.Next(3) == 0 ? RandomPath(random, random.Next(1, 3)) : null;
        }

        return new Model { Metadata = new V1ObjectMeta { Name = "m", NamespaceProperty = "ns", Uid = "uid" }, Spec = spec };
    }

    private static string RandomPath(Random random, int segments) =>
        string.Join('/', Enumerable.Range(0, Math.Max(1, segments)).Select(_ => RandomSegment(random)));

    private static string RandomSegment(Random random)
    {
        var builder = new StringBuilder();
        var length = random.Next(10) switch
        {
            0 => random.Next(200, 300), // around the limits
            1 => random.Next(210, 230),
            _ => random.Next(1, 40),
        };
        while (builder.Length < length)
        {
            builder.Append(random.Next(8) == 0 ? Awkward[random.Next(Awkward.Length)] : ((char)('a' + random.Next(26))).ToString(CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    private static InferenceService Service() => new()
    {
        Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = "ns", Uid = "svc-uid", Generation = 1 },
        Spec = new InferenceServiceSpec { ModelRef = "m" },
    };

    private static string Describe(Model model) =>
        $"source '{model.Spec.Source}'" + (model.Spec.Files is { Count: > 0 } f ? $", files [{string.Join(", ", f)}]" : "") + (model.Spec.Mmproj is { } m ? $", mmproj '{m}'" : "");
}
