using LlmKube.Fetcher;

// Socket continuations on the epoll thread, about 45 % less client CPU for a single-purpose downloader. The runtime
// reads the setting when the first socket is created, so setting it here still takes effect.
InlineSocketCompletions.PreferUnlessSet();

using var signals = new ShutdownSignals();
return await App.RunAsync(args, App.ReadEnvironment(), Console.Error, !Console.IsErrorRedirected, TimeProvider.System, signals.Token).ConfigureAwait(false);
