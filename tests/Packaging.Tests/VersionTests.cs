using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using EndToEnd.Tests.Support;
using LlmKube.Api;
using LlmKube.Operator.Configuration;
using LlmKube.Tests.Shared;

namespace Packaging.Tests;

/// <summary>
/// One version everywhere: <c>Version</c> in Directory.Build.props is what the CLI, the operator and the fetcher print,
/// what the chart is versioned as, the tag of every image the chart, the operator and the docs name, and the Dockerfiles'
/// label. <c>.ci/run</c> checks the same of the packaged CLI and of the images it builds.
/// </summary>
public sealed partial class VersionTests
{
    private static string Declared { get; } =
        XDocument.Load(RepoPaths.Combine("Directory.Build.props")).Descendants("Version").Single().Value;

    [Fact]
    public void The_version_is_a_plain_semantic_version()
    {
        Assert.Matches(SemVer(), Declared);
    }

    [Fact]
    public void Every_assembly_we_ship_carries_it()
    {
        Assert.Equal(Declared, ProductVersion.Current);
        var executables = new[] { BuiltExecutables.OperatorDll, Path.Combine(BuiltExecutables.CliDirectory, "llmkube.dll"), BuiltExecutables.FetcherDll };
        foreach (var assembly in new[] { typeof(OperatorOptions).Assembly, typeof(LlmKube.Cli.CliApp).Assembly }.Concat(executables.Select(Assembly.LoadFrom)))
        {
            Assert.Equal(Declared, assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
        }
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("fetcher")]
    public async Task The_operator_and_the_fetcher_print_it_for_dash_dash_version(string executable)
    {
        var binary = executable == "operator" ? BuiltExecutables.OperatorDll : BuiltExecutables.FetcherDll;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(binary);
        info.ArgumentList.Add("--version");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == 0, $"{binary} --version exited {process.ExitCode}: {await stderr}");
        Assert.Equal(Declared, (await stdout).Trim());
    }

    [Fact]
    public async Task The_cli_prints_it_as_its_client_version()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await LlmKube.Cli.CliApp.RunAsync(["version", "--client"], stdout, stderr, CancellationToken.None);

        Assert.True(code == 0, stderr.ToString());
        Assert.Equal($"Client Version: {Declared}", stdout.ToString().Trim());
    }

    [Fact]
    public void The_chart_is_versioned_as_the_release_and_its_image_tags_default_to_it()
    {
        var chart = File.ReadAllText(Path.Combine(HelmChart.ChartDirectory, "Chart.yaml"));
        var values = File.ReadAllText(Path.Combine(HelmChart.ChartDirectory, "values.yaml"));

        Assert.Equal(Declared, ChartField(chart, "version"));
        Assert.Equal(Declared, ChartField(chart, "appVersion"));
        // An empty tag means the chart's appVersion (templates/_helpers.tpl), so both images follow the chart.
        foreach (var image in new[] { "operator", "fetcher" })
        {
            var block = Regex.Match(values, $@"(?ms)^  {image}:\n(.*?)(?=^  \w|\z)").Groups[1].Value;
            Assert.Matches(@"(?m)^\s+tag: """"", block);
        }
    }

    [HelmFact]
    public async Task The_rendered_chart_runs_the_releases_images()
    {
        var objects = YamlDocuments.Parse(await HelmChart.TemplateAsync());

        Assert.Equal($"ghcr.io/llmkube/llmkube-operator:{Declared}", (string?)Rendered.Container(objects)["image"]);
        Assert.Contains($"--fetcher-image=ghcr.io/llmkube/llmkube-fetch:{Declared}", Rendered.Args(objects));
        Assert.Equal($"ghcr.io/llmkube/llmkube-fetch:{Declared}", OperatorOptions.DefaultFetcherImage);
    }

    [Theory]
    [InlineData("operator.Dockerfile")]
    [InlineData("fetcher.Dockerfile")]
    public void The_dockerfiles_label_the_image_with_it(string file)
    {
        var lines = File.ReadAllLines(RepoPaths.Combine("deploy", "docker", file)).Select(l => l.Trim()).ToList();

        Assert.Equal(Declared, DockerfileTests.ArgDefault(lines, "VERSION"));
        Assert.Contains(lines, l => l.Contains("org.opencontainers.image.version=\"${VERSION}\"", StringComparison.Ordinal));
    }

    /// <summary>Docs, kustomize config, scripts and workflows that spell a version out spell this one.</summary>
    [Fact]
    public void Every_version_written_in_the_repository_is_this_one()
    {
        var found = new List<string>();
        foreach (var file in RepositoryTextFiles())
        {
            var text = File.ReadAllText(file);
            foreach (var match in WrittenVersion().Matches(text).Cast<Match>())
            {
                var relative = Path.GetRelativePath(RepoPaths.Root, file);
                found.Add(relative);
                Assert.True(match.Groups["v"].Value == Declared, $"{relative}: '{match.Value}' should say {Declared} (Directory.Build.props)");
            }
        }

        // The scan must see the places we know spell it out, or it checks nothing.
        Assert.Contains(Path.Combine("config", "manager", "manager.yaml"), found);
        Assert.Contains(Path.Combine("deploy", "docker", "README.md"), found);
    }

    private static IEnumerable<string> RepositoryTextFiles()
    {
        string[] skipped = [".git", "bin", "obj", "artifacts", ".tools", "compat"];
        var pending = new Stack<string>([RepoPaths.Root]);
        while (pending.TryPop(out var dir))
        {
            foreach (var sub in Directory.GetDirectories(dir).Where(d => !skipped.Contains(Path.GetFileName(d))))
            {
                pending.Push(sub);
            }

            foreach (var file in Directory.GetFiles(dir).Where(f => f.EndsWith(".md", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)
                         || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith("Dockerfile", StringComparison.Ordinal) || f.EndsWith(".sh", StringComparison.Ordinal)))
            {
                yield return file;
            }
        }
    }

    private static string ChartField(string chart, string field) =>
        Regex.Match(chart, $@"(?m)^{field}: ""?(?<v>[^""\s]+)""?\s*$").Groups["v"].Value;

    [GeneratedRegex(@"^\d+\.\d+\.\d+$")]
    private static partial Regex SemVer();

    // Image tags of ours, kubernetes version labels, VERSION=… in docs and scripts.
    [GeneratedRegex(@"(llmkube/llmkube-(operator|fetch):|app\.kubernetes\.io/version: ""?|\bVERSION=)(?<v>\d+\.\d+\.\d+)")]
    private static partial Regex WrittenVersion();
}
