namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>
/// The fixture of the cache-entry tests: a temp directory and a hub serving one plain file, <c>m.gguf</c>, of
/// <paramref name="size"/> random bytes (<paramref name="seed"/>), fresh for every test.
/// </summary>
public abstract class ServedModelTest(int size, int seed) : IAsyncLifetime, IDisposable
{
    protected TempDir Tmp { get; } = new();

    protected byte[] Data { get; } = TestData.Random(size, seed);

    protected HubServer Hub { get; private set; } = null!;

    protected string Source => Hub.Endpoint + "/files/m.gguf";

    public async Task InitializeAsync()
    {
        Hub = await HubServer.StartAsync();
        Hub.AddPlain("m.gguf", Data);
    }

    public async Task DisposeAsync() => await Hub.DisposeAsync();

    public void Dispose()
    {
        Tmp.Dispose();
        GC.SuppressFinalize(this);
    }
}
