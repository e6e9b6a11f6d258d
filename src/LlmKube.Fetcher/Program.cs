using LlmKube.Fetcher;

return await App.RunAsync(args, Console.Error, TimeProvider.System).ConfigureAwait(false);
