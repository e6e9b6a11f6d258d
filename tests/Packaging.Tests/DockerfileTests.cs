using System.Xml.Linq;
using EndToEnd.Tests.Support;
using LlmKube.Operator.Configuration;
using LlmKube.Tests.Shared;

namespace Packaging.Tests;

/// <summary>
/// The Dockerfiles cannot be built here (no Docker engine), so these checks read them: multi-stage, non-root with the
/// ids the chart and the builders assume, every copied path present, every project the binary needs copied.
/// </summary>
public sealed class DockerfileTests
{
    private static string Read(string name) => File.ReadAllText(RepoPaths.Combine("deploy", "docker", name));

    private static List<string> Lines(string text) => text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    [Theory]
    [InlineData("operator.Dockerfile", "mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled", "USER 65532:65532")]
    [InlineData("fetcher.Dockerfile", "mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled", "USER 100:102")]
    public void Multi_stage_onto_a_chiseled_base_as_a_numeric_non_root_user(string file, string runtimeBase, string user)
    {
        var lines = Lines(Read(file));
        var froms = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        // The SDK builds (or, with BINARIES=prebuilt, the host's build is copied in), a chiseled image runs.
        Assert.Equal(["FROM ${SDK_IMAGE} AS build", "FROM scratch AS prebuilt", "FROM ${BINARIES} AS binaries", "FROM ${RUNTIME_IMAGE}"], froms);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0-noble", ArgDefault(lines, "SDK_IMAGE"), StringComparison.Ordinal);
        Assert.Equal(runtimeBase, ArgDefault(lines, "RUNTIME_IMAGE"));
        Assert.Equal("build", ArgDefault(lines, "BINARIES"));
        Assert.Equal(user, lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal)));
        Assert.True(lines.IndexOf(user) > lines.IndexOf(froms[^1]), "USER must be set in the final stage");
    }

    [Fact]
    public void The_fetcher_is_the_front_binary_at_the_path_the_builders_call_and_the_engine_where_the_front_finds_it()
    {
        var text = Read("fetcher.Dockerfile");

        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0-noble-aot", ArgDefault(Lines(text), "SDK_IMAGE"));
        Assert.Contains("dotnet publish src/LlmKube.Fetcher -c Release -r \"$RID\" -p:PublishAot=true", text, StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/LlmKube.Fetcher.Front -c Release -r \"$RID\" -p:PublishAot=true", text, StringComparison.Ordinal);
        var front = AssemblyName("src/LlmKube.Fetcher.Front/LlmKube.Fetcher.Front.csproj");
        Assert.Contains($"COPY --from=binaries /out/front/{front} /usr/local/bin/llmkube-fetch", text, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"/usr/local/bin/llmkube-fetch\"]", text, StringComparison.Ordinal);
        Assert.Matches("ENV PATH=/usr/local/bin:", text); // builders use command: ["llmkube-fetch"]

        var engine = AssemblyName("src/LlmKube.Fetcher/LlmKube.Fetcher.csproj");
        Assert.Equal("llmkube-fetch", engine);
        // Where the front looks for the engine, relative to its own directory (the one place that says so).
        var rule = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(RepoPaths.Combine("src/LlmKube.Fetcher/Front/FrontDoor.cs")),
            "EngineRelativePath = \"([^\"]+)\";").Groups[1].Value;
        Assert.Equal("../libexec/llmkube-fetch", rule);
        var installed = Path.GetFullPath(Path.Combine("/usr/local/bin", rule));
        Assert.Contains($"COPY --from=binaries /out/{engine} {installed}", text, StringComparison.Ordinal);
    }

    [HelmFact]
    public async Task The_operator_image_runs_as_the_user_and_on_the_ports_the_chart_sets()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync());
        var pod = Rendered.PodSpec(objects);
        var text = Read("operator.Dockerfile");

        Assert.Equal(65532, (long)pod["securityContext"]!["runAsUser"]!);
        Assert.Equal(65532, (long)pod["securityContext"]!["runAsGroup"]!);
        Assert.Contains("EXPOSE 8080 8081", text, StringComparison.Ordinal);
        // The image ships the build the operator benchmark measures (start-up to ready within 2 s).
        Assert.Contains("-p:PublishReadyToRun=true", text, StringComparison.Ordinal);
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"/app/{AssemblyName("src/LlmKube.Operator/LlmKube.Operator.csproj")}.dll\"]", text, StringComparison.Ordinal);
        Assert.Equal("ghcr.io/llmkube/llmkube-operator:" + LlmKube.Api.ProductVersion.Current, (string?)Rendered.Container(objects)["image"]);
    }

    [Theory]
    [InlineData("operator.Dockerfile", "src/LlmKube.Operator/LlmKube.Operator.csproj")]
    [InlineData("fetcher.Dockerfile", "src/LlmKube.Fetcher/LlmKube.Fetcher.csproj")]
    [InlineData("fetcher.Dockerfile", "src/LlmKube.Fetcher.Front/LlmKube.Fetcher.Front.csproj")]
    public void Every_copied_path_exists_and_every_needed_project_is_copied(string file, string project)
    {
        // artifacts/ is the host's build for BINARIES=prebuilt (eng/images.sh makes it), not part of the repository.
        var copies = Lines(Read(file)).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1])
            .Where(source => !source.StartsWith("artifacts/", StringComparison.Ordinal)).ToList();

        foreach (var source in copies)
        {
            Assert.True(File.Exists(RepoPaths.Combine(source)) || Directory.Exists(RepoPaths.Combine(source)), $"{file} copies {source}, which does not exist");
        }

        foreach (var needed in ProjectClosure(project))
        {
            var dir = Path.GetDirectoryName(needed)!.Replace('\\', '/') + "/";
            Assert.True(copies.Contains(needed) && copies.Contains(dir), $"{file} must copy {needed} (restore) and {dir} (sources)");
        }
    }

    [Fact]
    public void The_readme_builds_the_images_the_chart_and_the_operator_default_to()
    {
        var readme = Read("README.md");
        var fetcher = OperatorOptions.DefaultFetcherImage;

        Assert.Contains("docker build -f deploy/docker/operator.Dockerfile -t $REGISTRY/llmkube-operator:$VERSION .", readme, StringComparison.Ordinal);
        Assert.Contains("docker build -f deploy/docker/fetcher.Dockerfile  -t $REGISTRY/llmkube-fetch:$VERSION .", readme, StringComparison.Ordinal);
        Assert.Contains("REGISTRY=ghcr.io/llmkube", readme, StringComparison.Ordinal);
        Assert.Equal("ghcr.io/llmkube/llmkube-fetch", fetcher[..fetcher.LastIndexOf(':')]);
        var values = File.ReadAllText(Path.Combine(HelmChart.ChartDirectory, "values.yaml"));
        Assert.Contains("repository: llmkube/llmkube-operator", values, StringComparison.Ordinal);
        Assert.Contains("repository: llmkube/llmkube-fetch", values, StringComparison.Ordinal);
    }

    /// <summary>The default of <c>ARG name=default</c> in a Dockerfile.</summary>
    internal static string ArgDefault(IEnumerable<string> lines, string name) =>
        lines.Single(l => l.StartsWith($"ARG {name}=", StringComparison.Ordinal))[$"ARG {name}=".Length..];

    private static string AssemblyName(string project) =>
        XDocument.Load(RepoPaths.Combine(project)).Descendants("AssemblyName").Single().Value;

    /// <summary>
    /// The project, every project it references and every file it imports (their own references included),
    /// transitively, as repository-relative paths.
    /// </summary>
    private static SortedSet<string> ProjectClosure(string project)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!result.Add(next))
            {
                continue;
            }

            var dir = Path.GetDirectoryName(RepoPaths.Combine(next))!;
            var xml = XDocument.Load(RepoPaths.Combine(next));
            var referenced = xml.Descendants("ProjectReference").Select(r => r.Attribute("Include")!.Value)
                .Concat(xml.Descendants("Import").Select(i => i.Attribute("Project")!.Value));
            foreach (var reference in referenced)
            {
                var local = reference.Replace("$(MSBuildThisFileDirectory)", string.Empty, StringComparison.Ordinal);
                var full = Path.GetFullPath(Path.Combine(dir, local));
                pending.Push(Path.GetRelativePath(RepoPaths.Root, full).Replace('\\', '/'));
            }
        }

        return result;
    }
}
