namespace LlmKube.Contracts.Tests;

public class TerminationMessageTests
{
    [Fact]
    public void Termination_line_is_one_line()
    {
        Assert.Equal("reason=SourceNotFound message=a b", TerminationMessage.Format(FailureReason.SourceNotFound, "a\nb"));
    }

    [Fact]
    public void The_line_never_carries_a_urls_userinfo_or_query_values()
    {
        // A library's exception message may quote the URL it was given; the operator copies the line into status.
        var line = TerminationMessage.Format(FailureReason.SourceUnreachable, "GET https://u:p@a.example/m.gguf?X-Amz-Signature=SECRET\nfailed");

        Assert.Equal("reason=SourceUnreachable message=GET https://REDACTED@a.example/m.gguf?X-Amz-Signature=REDACTED failed", line);
    }

    [Fact]
    public void Every_reason_round_trips_through_the_line_and_the_parser()
    {
        foreach (var reason in Enum.GetValues<FailureReason>())
        {
            var line = TerminationMessage.Parse(TerminationMessage.Format(reason, "x message=y"));

            Assert.NotNull(line);
            Assert.Equal(reason, line.Known);
            Assert.Equal("x message=y", line.Message);
        }
    }

    [Fact]
    public void The_last_failure_line_of_a_log_tail_wins_and_unknown_reasons_stay_readable()
    {
        var line = TerminationMessage.Parse("reason=Internal message=first\nprogress 50%\nreason=FromTheFuture message=later\n");

        Assert.Equal(new TerminationLine("FromTheFuture", "later"), line);
        Assert.Null(line!.Known);
        Assert.Null(TerminationMessage.Parse("no failure line here"));
        Assert.Null(TerminationMessage.Parse(null));
    }
}
