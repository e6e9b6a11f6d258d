using LlmKube.Fetcher;
using LlmKube.Fetcher.Front;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// The image's llmkube-fetch: a verified cache hit is answered here, everything else by the engine (src/LlmKube.Fetcher/Front/FrontDoor.cs).
if (FrontDoor.TryServeHit(args, App.ReadEnvironment(), Console.Error, !Console.IsErrorRedirected, TimeProvider.System))
{
    return 0;
}

return FrontDoor.RunEngine(args, AppContext.BaseDirectory, Console.Out, Console.Error);
