using LlmKube.Fetcher;

// Socket continuations on the epoll thread: about 45 % less client CPU for a single-purpose downloader (see the
// downloader reference, table D). Read when the first socket is created, so setting it here still takes effect.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

using var signals = new ShutdownSignals();
return await App.RunAsync(args, App.ReadEnvironment(), Console.Error, !Console.IsErrorRedirected, TimeProvider.System, signals.Token).ConfigureAwait(false);
