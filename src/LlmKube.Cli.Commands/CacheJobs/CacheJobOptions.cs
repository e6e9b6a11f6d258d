using System.CommandLine;
using LlmKube.Cli.Cluster;
using LlmKube.Core;

namespace LlmKube.Cli.CacheJobs;

/// <summary>The flags of commands that run cache Jobs: --fetcher-image and --timeout.</summary>
internal sealed class CacheJobOptions(string timeoutDescription = CacheJobOptions.ReadTimeout)
{
    public const string ReadTimeout = "How long to wait for each cache Job (30s, 2m); past it the Job is deleted, its contents reported unknown, and the exit code is 4.";

    public const string ChangeTimeout = "How long to wait for each cache Job (30s, 2m); past it the Job is deleted and the command exits 4 (the entry may or may not be gone).";

    public Option<string> Image { get; } = new("--fetcher-image")
    {
        Description = "Image with llmkube-fetch for the short-lived cache Job (same as the operator's --fetcher-image).",
        DefaultValueFactory = _ => WorkloadDefaults.FetcherImage,
    };

    public Option<string> Timeout { get; } = new("--timeout")
    {
        Description = timeoutDescription,
        DefaultValueFactory = _ => "2m",
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(Image);
        command.Add(Timeout);
    }

    public (string Image, TimeSpan Timeout) Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return (parse.GetValue(Image)!, Durations.Parse(parse.GetValue(Timeout), "--timeout"));
    }
}
