using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace LlmKube.ControllerRuntime;

/// <summary>The informer's handlers: registration with a replay of the cache, dispatch, and the periodic resync.</summary>
public sealed partial class Informer<T>
{
    /// <summary>
    /// Registers a handler. Objects already cached are replayed to it as <see cref="InformerEventType.Added"/>
    /// first, atomically with respect to other events. Dispose the result to unregister.
    /// </summary>
    public IDisposable AddEventHandler(Action<InformerEvent<T>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_dispatchLock)
        {
            foreach (var obj in _cache.List())
            {
                Invoke(handler, new InformerEvent<T>(InformerEventType.Added, obj));
            }

            _handlers.Add(handler);
        }

        return new Registration(this, handler);
    }

    private async Task ResyncLoopAsync(CancellationToken ct)
    {
        if (_options.ResyncPeriod is not { } period || period <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Yield();
            await _synced.Task.WaitAsync(ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(period, _time, ct).ConfigureAwait(false);
                lock (_dispatchLock)
                {
                    foreach (var obj in _cache.List())
                    {
                        Dispatch(new InformerEvent<T>(InformerEventType.Resync, obj, obj));
                    }
                }

                _observer?.Resynced(Resource);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private void Dispatch(InformerEvent<T> e)
    {
        foreach (var h in _handlers)
        {
            Invoke(h, e);
        }
    }

    private void Invoke(Action<InformerEvent<T>> handler, InformerEvent<T> e)
    {
        try
        {
            handler(e);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Event handler of {Resource} failed on {EventType} {Key}", Resource, e.Type, ObjectKey.Of(e.Object));
        }
    }

    private void Remove(Action<InformerEvent<T>> handler)
    {
        lock (_dispatchLock)
        {
            _handlers.Remove(handler);
        }
    }

    private sealed class Registration(Informer<T> informer, Action<InformerEvent<T>> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                informer.Remove(handler);
            }
        }
    }
}
