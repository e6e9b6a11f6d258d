using System.Globalization;
using System.Runtime;
using Prometheus;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Process and .NET runtime metrics for one registry, read at scrape time: prometheus-net's <c>process_*</c> and
/// <c>dotnet_collection_count_total</c>/<c>dotnet_total_memory_bytes</c>; the values of the runtime's
/// <c>System.Runtime</c> meter (GC, thread pool, JIT, lock contention, timers, exceptions) under the names the
/// OpenTelemetry Prometheus exporter gives them (<c>dotnet.gc.collections</c> → <c>dotnet_gc_collections_total</c>),
/// read from the same runtime APIs that meter reads; and on Linux the Go client's names that dashboards for Go
/// operators query (<c>process_resident_memory_bytes</c>, <c>process_open_fds</c>, <c>process_max_fds</c>).
/// </summary>
internal sealed class ProcessMetrics : IDisposable
{
    private static readonly string[] Generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    private readonly Counter _collections;
    private readonly Counter _allocated;
    private readonly Gauge _heapSize;
    private readonly Gauge _fragmentation;
    private readonly Gauge _committed;
    private readonly Counter _pauseTime;
    private readonly Gauge _threads;
    private readonly Counter _workItems;
    private readonly Gauge _queueLength;
    private readonly Counter _lockContentions;
    private readonly Counter _jitMethods;
    private readonly Counter _jitIl;
    private readonly Counter _jitTime;
    private readonly Gauge _timers;
    private readonly Gauge _assemblies;
    private readonly Counter _exceptions;
    private readonly Gauge? _resident;
    private readonly Gauge? _openFds;
    private readonly Gauge? _maxFds;

    public ProcessMetrics(CollectorRegistry registry)
    {
        DotNetStats.Register(registry);
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        string[] generation = ["gc_heap_generation"];
        _collections = f.CreateCounter("dotnet_gc_collections_total", "Garbage collections since the process started, by the oldest generation collected (dotnet.gc.collections).", ["gc_heap_generation"]);
        _allocated = f.CreateCounter("dotnet_gc_heap_total_allocated_bytes_total", "Bytes allocated on the managed heap since the process started (dotnet.gc.heap.total_allocated).");
        _heapSize = f.CreateGauge("dotnet_gc_last_collection_heap_size_bytes", "Managed heap size by generation after the last garbage collection (dotnet.gc.last_collection.heap.size).", generation);
        _fragmentation = f.CreateGauge("dotnet_gc_last_collection_heap_fragmentation_size_bytes", "Heap fragmentation by generation after the last garbage collection (dotnet.gc.last_collection.heap.fragmentation.size).", generation);
        _committed = f.CreateGauge("dotnet_gc_last_collection_memory_committed_size_bytes", "Memory committed by the GC after the last collection (dotnet.gc.last_collection.memory.committed_size).");
        _pauseTime = f.CreateCounter("dotnet_gc_pause_time_seconds_total", "Time paused in garbage collection since the process started (dotnet.gc.pause.time).");
        _threads = f.CreateGauge("dotnet_thread_pool_threads", "Thread-pool threads (dotnet.thread_pool.thread.count; renamed: promtool refuses a gauge named _count).");
        _workItems = f.CreateCounter("dotnet_thread_pool_work_item_count_total", "Work items completed by the thread pool (dotnet.thread_pool.work_item.count).");
        _queueLength = f.CreateGauge("dotnet_thread_pool_queue_length", "Work items queued to the thread pool and not started (dotnet.thread_pool.queue.length).");
        _lockContentions = f.CreateCounter("dotnet_monitor_lock_contentions_total", "Contended Monitor lock acquisitions (dotnet.monitor.lock_contentions).");
        _jitMethods = f.CreateCounter("dotnet_jit_compiled_methods_total", "Methods JIT-compiled (dotnet.jit.compiled_methods).");
        _jitIl = f.CreateCounter("dotnet_jit_compiled_il_size_bytes_total", "Bytes of IL JIT-compiled (dotnet.jit.compiled_il.size).");
        _jitTime = f.CreateCounter("dotnet_jit_compilation_time_seconds_total", "Time spent JIT-compiling (dotnet.jit.compilation.time).");
        _timers = f.CreateGauge("dotnet_timers", "Active timers (dotnet.timer.count; renamed: promtool refuses a gauge named _count).");
        _assemblies = f.CreateGauge("dotnet_assemblies", "Loaded assemblies (dotnet.assembly.count; renamed: promtool refuses a gauge named _count).");
        _exceptions = f.CreateCounter("dotnet_exceptions_total", "Exceptions thrown, handled or not, since these metrics were created (dotnet.exceptions).");
        AppDomain.CurrentDomain.FirstChanceException += CountException;
        registry.AddBeforeCollectCallback(ReadRuntime);

        if (OperatingSystem.IsLinux())
        {
            _resident = f.CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
            _openFds = f.CreateGauge("process_open_fds", "Number of open file descriptors.");
            _maxFds = f.CreateGauge("process_max_fds", "Maximum number of open file descriptors.");
            registry.AddBeforeCollectCallback(ReadProc);
        }
    }

    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= CountException;

    private void CountException(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e) => _exceptions.Inc();

    private void ReadRuntime()
    {
        // GC.CollectionCount(n) counts collections of generation n or older: the runtime meter reports each
        // generation as the oldest one collected, i.e. the difference to the next.
        var counts = Enumerable.Range(0, GC.MaxGeneration + 1).Select(GC.CollectionCount).Append(0).ToArray();
        for (var gen = 0; gen <= GC.MaxGeneration && gen < 3; gen++)
        {
            _collections.WithLabels(Generations[gen]).IncTo(counts[gen] - counts[gen + 1]);
        }

        _allocated.IncTo(GC.GetTotalAllocatedBytes());
        var info = GC.GetGCMemoryInfo();
        for (var gen = 0; gen < info.GenerationInfo.Length && gen < Generations.Length; gen++)
        {
            _heapSize.WithLabels(Generations[gen]).Set(info.GenerationInfo[gen].SizeAfterBytes);
            _fragmentation.WithLabels(Generations[gen]).Set(info.GenerationInfo[gen].FragmentationAfterBytes);
        }

        _committed.Set(info.TotalCommittedBytes);
        _pauseTime.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
        _threads.Set(ThreadPool.ThreadCount);
        _workItems.IncTo(ThreadPool.CompletedWorkItemCount);
        _queueLength.Set(ThreadPool.PendingWorkItemCount);
        _lockContentions.IncTo(Monitor.LockContentionCount);
        _jitMethods.IncTo(JitInfo.GetCompiledMethodCount());
        _jitIl.IncTo(JitInfo.GetCompiledILBytes());
        _jitTime.IncTo(JitInfo.GetCompilationTime().TotalSeconds);
        _timers.Set(Timer.ActiveCount);
        _assemblies.Set(AppDomain.CurrentDomain.GetAssemblies().Length);
    }

    private void ReadProc()
    {
        try
        {
            // statm: size resident shared text lib data dt, in pages.
            var statm = File.ReadAllText("/proc/self/statm").Split(' ');
            _resident!.Set(long.Parse(statm[1], CultureInfo.InvariantCulture) * (double)Environment.SystemPageSize);
            _openFds!.Set(Directory.GetFiles("/proc/self/fd").Length);
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    _maxFds!.Set(soft == "unlimited" ? double.PositiveInfinity : double.Parse(soft, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // /proc unreadable (hardened sandbox): the gauges keep their last values.
        }
    }
}
