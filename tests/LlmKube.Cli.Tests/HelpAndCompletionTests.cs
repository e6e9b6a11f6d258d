using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using LlmKube.Cli.Commands.Completion;
using LlmKube.Cli.Help;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests;

/// <summary>-h with examples on every command, "did you mean", and shell completion scripts that work.</summary>
public sealed class HelpAndCompletionTests
{
    private static IEnumerable<Command> AllCommands(Command command) => command.Subcommands.SelectMany(AllCommands).Prepend(command);

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var command in AllCommands(CliApp.BuildRootCommand()))
        {
            data.Add(CommandExamples.PathOf(command));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task Every_command_has_help_with_examples_that_parse_as_that_command(string path)
    {
        var root = CliApp.BuildRootCommand();
        var examples = CommandExamples.ByCommand[path];

        var (code, stdout, _) = await CliRunner.RunAsync([.. path.Split(' ', StringSplitOptions.RemoveEmptyEntries), "-h"]);

        Assert.Equal(0, code);
        Assert.Contains("Examples:\n" + string.Concat(examples.Select(e => $"  {e}\n")), stdout, StringComparison.Ordinal);
        foreach (var example in examples)
        {
            // Shell around the command (source <(…), | source, # comments) is not ours to parse.
            var line = example[(example.IndexOf("llmkube ", StringComparison.Ordinal) + "llmkube ".Length)..].Split([')', '|', '#'])[0];
            var parse = root.Parse(CommandLineParser.SplitCommandLine(line).ToArray());
            Assert.True(parse.Errors.Count == 0, $"'{example}': {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            // A group's examples (llmkube, cache, sandbox, catalog) show its subcommands.
            var parsed = CommandExamples.PathOf(parse.CommandResult.Command);
            Assert.True(parsed == path || parsed.StartsWith(path.Length == 0 ? "" : path + " ", StringComparison.Ordinal), $"'{example}' runs '{parsed}', not '{path}'");
        }
    }

    [Fact]
    public void Every_example_belongs_to_a_command_that_exists()
    {
        var paths = AllCommands(CliApp.BuildRootCommand()).Select(CommandExamples.PathOf).ToHashSet(StringComparer.Ordinal);

        Assert.All(CommandExamples.ByCommand.Keys, key => Assert.Contains(key, paths));
    }

    [Theory]
    [InlineData(new[] { "dploy", "x" }, "did you mean 'deploy' instead of 'dploy'?")]
    [InlineData(new[] { "stauts", "x" }, "did you mean 'status' instead of 'stauts'?")]
    [InlineData(new[] { "deploy", "x", "--sorce", "y" }, "did you mean '--source' instead of '--sorce'?")]
    [InlineData(new[] { "list", "--all-namespace" }, "did you mean '--all-namespaces' instead of '--all-namespace'?")]
    [InlineData(new[] { "cache", "lst" }, "did you mean 'list' or 'ls' instead of 'lst'?")]
    public async Task A_mistyped_command_or_flag_gets_a_did_you_mean(string[] args, string hint)
    {
        var (code, _, stderr) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(hint, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nothing_close_gets_no_guess()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("frobnicate");

        Assert.Equal(2, code);
        Assert.DoesNotContain("did you mean", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("fish")]
    [InlineData("pwsh")]
    public async Task Completion_prints_a_script_for_each_shell_that_asks_llmkube_itself(string shell)
    {
        var (code, stdout, _) = await CliRunner.RunAsync("completion", shell);

        Assert.Equal(0, code);
        Assert.Equal(CompletionScripts.For(shell), stdout);
        Assert.Contains("llmkube \"[suggest:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_shell_is_a_usage_error()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("completion", "tcsh");

        Assert.Equal(2, code);
        Assert.Contains("tcsh", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("llmkube dep", "deploy")]
    [InlineData("llmkube deploy phi-4-m", "phi-4-mini")]
    [InlineData("llmkube catalog show qwen-2.5-cod", "qwen-2.5-coder-32b\nqwen-2.5-coder-7b")]
    [InlineData("llmkube deploy x --gpu-c", "--gpu-count")]
    [InlineData("llmkube completion b", "bash")]
    public async Task The_suggest_directive_the_scripts_call_completes_commands_ids_and_flags(string line, string expected)
    {
        // What the scripts run is llmkube "[suggest:POSITION]" "LINE"; in-process the program is not named llmkube, so
        // the line goes without its first word (the bash test below runs the real binary with the whole line).
        var text = line["llmkube ".Length..];
        var (code, stdout, _) = await CliRunner.RunAsync($"[suggest:{text.Length}]", text);

        Assert.Equal(0, code);
        Assert.Equal(expected, stdout.TrimEnd('\n'));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Bash_accepts_the_script_and_completes_through_the_real_binary()
    {
        var bash = "/bin/bash";
        Assert.True(File.Exists(bash), "bash is needed to check the bash completion script");
        var script = Path.Combine(Path.GetTempPath(), $"llmkube-completion-{Guid.NewGuid():N}.bash");
        var bin = Directory.CreateTempSubdirectory("llmkube-completion-bin");
        try
        {
            File.WriteAllText(script, CompletionScripts.For("bash"));
            // 'llmkube' on PATH is the CLI its project built (BuiltExecutables), run with dotnet as an installed tool would be.
            var shim = Path.Combine(bin.FullName, "llmkube");
            File.WriteAllText(shim, $"#!/bin/sh\nexec dotnet '{Path.Combine(BuiltExecutables.CliDirectory, "llmkube.dll")}' \"$@\"\n");
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var (syntax, _, syntaxErr) = await RunAsync(bash, bin.FullName, "-n", script);
            var (code, stdout, stderr) = await RunAsync(bash, bin.FullName, "-c",
                $"source '{script}'; COMP_LINE='llmkube catalog sh'; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=(llmkube catalog sh); COMP_CWORD=2; " +
                "_llmkube_complete; printf '%s\\n' \"${COMPREPLY[@]}\"");

            Assert.True(syntax == 0, syntaxErr);
            Assert.True(code == 0, stderr);
            Assert.Equal("show", stdout.Trim());
        }
        finally
        {
            File.Delete(script);
            bin.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, string pathPrefix, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["PATH"] = pathPrefix + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
