using System.CommandLine;
using LlmKube.Cli.Output;

namespace LlmKube.Cli.Commands.Cache;

/// <summary><c>llmkube cache</c>: list, inspect and clear the model cache on every claim services use.</summary>
internal static class CacheCommand
{
    public static Command Create(CliEnvironment environment) => new("cache", "See and clean the model cache on every claim services use: shared, perService and your own (claimName).")
    {
        CacheListCommand.Create(environment),
        CacheInspectCommand.Create(environment),
        CacheClearCommand.Create(environment),
    };
}
