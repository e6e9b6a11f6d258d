namespace LlmKube.Contracts;

/// <summary>
/// Socket continuations on the runtime's epoll threads. The .NET runtime, not our code, reads
/// <see cref="Variable"/> when the process opens its first socket: at "1" each socket continuation runs on the epoll
/// thread that saw the event, without a hop to the thread pool. The fetcher and the operator both turn it on unless the
/// variable is already set, so "0" gives the runtime's default back. The fetcher spends less client CPU per chunk;
/// the operator used about an eighth less CPU in bench/operator (README, session 19). It is safe only in a process
/// where no continuation blocks its thread waiting for another socket's answer, which would stall every socket on that
/// thread: the operator never waits synchronously on a task, and the fetcher only on its own file flushes.
/// </summary>
public static class InlineSocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline completions on unless <see cref="Variable"/> is set, and says whether they are on. Takes
    /// effect only before the process's first socket.</summary>
    public static bool PreferUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }

        return Environment.GetEnvironmentVariable(Variable) == "1";
    }
}
