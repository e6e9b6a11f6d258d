using LlmKube.Operator.Configuration;

namespace Packaging.Tests;

/// <summary>
/// --event-dedup-window (added so the RBAC-bound run can observe the Event patch the recorder sends for a repeat
/// after the window; the chart leaves it at the default).
/// </summary>
public sealed class EventDedupFlagTests
{
    private static (OperatorOptions? Options, IReadOnlyList<string> Errors) Bind(params string[] args)
    {
        var commandLine = new OperatorCommandLine();
        return commandLine.Bind(commandLine.Command.Parse(args));
    }

    [Fact]
    public void Defaults_to_an_hour_the_api_servers_event_ttl()
    {
        Assert.Equal(TimeSpan.FromHours(1), Bind().Options!.EventDedupWindow);
    }

    [Theory]
    [InlineData("2s", 2)]
    [InlineData("1m30s", 90)]
    public void Binds_a_go_duration(string value, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Bind("--event-dedup-window", value).Options!.EventDedupWindow);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    public void Refuses_anything_else_naming_the_flag(string value)
    {
        var (options, errors) = Bind("--event-dedup-window", value);

        Assert.Null(options);
        Assert.Contains(errors, e => e.Contains($"--event-dedup-window \"{value}\" is not a positive duration", StringComparison.Ordinal));
    }
}
