using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Rbac;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Storage;
using Microsoft.Extensions.Logging;

namespace LlmKube.Sandbox.Faults;

/// <summary>
/// Injects latency, 500s and 409s into Kubernetes API requests, and periodically drops every watch stream.
/// Settings can change at runtime; the random choices come from one seedable generator.
/// </summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private FaultSettings _settings;
    private Random _random;
    private CancellationTokenSource _settingsChanged = new();

    public FaultInjector(FaultSettings settings, ObjectStore store, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _random = settings.Seed is { } seed ? new Random(seed) : new Random();
        _store = store;
        _time = time;
        _logger = logger;
    }

    public FaultSettings Settings
    {
        get
        {
            lock (_gate)
            {
                return _settings;
            }
        }

        set
        {
            CancellationTokenSource changed;
            lock (_gate)
            {
                if (value.Seed is { } seed)
                {
                    _random = new Random(seed);
                }

                _settings = value;
                changed = _settingsChanged;
                _settingsChanged = new CancellationTokenSource();
            }

            changed.Cancel();
            changed.Dispose();
        }
    }

    public async Task DelayAsync(UserInfo user, CancellationToken cancellationToken)
    {
        var settings = Settings;
        if (settings.LatencyMs > 0 && Applies(settings, user))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(settings.LatencyMs), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The injected failure for this write, if the dice say so.</summary>
    public ApiException? FailureFor(UserInfo user, string verb, ResourceType type, string name)
    {
        var isWrite = verb is "create" or "update" or "patch" or "delete" or "deletecollection";
        if (!isWrite)
        {
            return null;
        }

        lock (_gate)
        {
            if (!Applies(_settings, user))
            {
                return null;
            }

            if (_settings.ErrorRate > 0 && _random.NextDouble() < _settings.ErrorRate)
            {
                return ApiException.Internal("sandbox fault injection: this write was refused");
            }

            var existing = verb is "update" or "patch" or "delete";
            if (existing && _settings.ConflictRate > 0 && _random.NextDouble() < _settings.ConflictRate)
            {
                return ApiException.StaleConflict(type.Group, type.Plural, name);
            }
        }

        return null;
    }

    /// <summary>Closes every watch each <see cref="FaultSettings.WatchDropSeconds"/> while that is set.</summary>
    public async Task RunWatchDropsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            CancellationToken changed;
            double seconds;
            lock (_gate)
            {
                changed = _settingsChanged.Token;
                seconds = _settings.WatchDropSeconds;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, changed);
            try
            {
                var wait = seconds > 0 ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan;
                await Task.Delay(wait, _time, linked.Token).ConfigureAwait(false);
                var dropped = _store.DropWatches();
                _logger.LogInformation("Fault injection dropped {Count} watches", dropped);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Settings changed: start over with the new interval.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static bool Applies(FaultSettings settings, UserInfo user) => settings.IncludeAdmin || !user.IsAdmin;
}
