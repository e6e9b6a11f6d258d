using System.CommandLine;
using LlmKube.Api.Validation;
using LlmKube.Contracts;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Policy;

namespace LlmKube.Operator.Configuration;

/// <summary>
/// The operator's flags (src/LlmKube.Operator/README.md). Every value is checked here, once, so a bad flag stops
/// start-up with a message naming the flag and the allowed values.
/// </summary>
public sealed class OperatorCommandLine
{
    private static readonly string[] AccessModes = ["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"];

    private readonly Option<string?> _kubeconfig = new("--kubeconfig") { Description = "Kubeconfig file; default: in-cluster, then ~/.kube/config." };
    private readonly Option<string?> _namespace = new("--namespace") { Description = "Watch only this namespace (default: all)." };
    private readonly Option<string> _cacheMode = new("--model-cache-mode") { Description = "shared (one claim per namespace) or perService (one owned claim per service).", DefaultValueFactory = _ => CacheModes.Shared };
    private readonly Option<string> _cacheEnabled = new("--model-cache-enabled") { Description = "true or false; false puts every model in an emptyDir.", DefaultValueFactory = _ => "true" };
    private readonly Option<string> _cacheSize = new("--model-cache-size") { Description = "Size of each cache claim the operator creates.", DefaultValueFactory = _ => "100Gi" };
    private readonly Option<string?> _storageClass = new("--model-cache-storage-class") { Description = "Storage class of created cache claims (default: the cluster's)." };
    private readonly Option<string> _accessMode = new("--model-cache-access-mode") { Description = "Access mode of the shared claim (perService claims are always ReadWriteOnce).", DefaultValueFactory = _ => "ReadWriteOnce" };
    private readonly Option<string> _fetcherImage = new("--fetcher-image") { Description = "Image of the model-cache-prep and model-downloader init containers.", DefaultValueFactory = _ => OperatorOptions.DefaultFetcherImage };
    private readonly Option<string> _serverImage = new("--server-image") { Description = "Default llama.cpp server image for CPU models.", DefaultValueFactory = _ => OperatorOptions.DefaultServerImage };
    private readonly Option<string> _serverCudaImage = new("--server-cuda-image") { Description = "Default llama.cpp server image for NVIDIA GPU models.", DefaultValueFactory = _ => OperatorOptions.DefaultServerCudaImage };
    private readonly Option<long> _fsGroup = new("--default-fsgroup") { Description = "fsGroup of inference pods without their own security context; 0 disables.", DefaultValueFactory = _ => 102 };
    private readonly Option<string[]> _hostRoots = new("--allowed-host-path-roots") { Description = "Host directories under which file:// sources are allowed (repeatable or comma-separated)." };
    private readonly Option<string> _podSecurityLevel = new(WorkloadPolicy.LevelFlag) { Description = "baseline (default: what a service writes into its pods must pass Pod Security baseline) or privileged (no check by the operator).", DefaultValueFactory = _ => PodSecurityLevels.Baseline };
    private readonly Option<string[]> _allowedImages = new(WorkloadPolicy.ImagesFlag) { Description = "Prefixes spec.image must start with (repeatable or comma-separated); default: any image." };
    private readonly Option<string?> _caConfigMap = new("--ca-cert-configmap") { Description = "ConfigMap with extra CA certificates for the fetcher (added to the system roots)." };
    private readonly Option<bool> _leaderElect = new("--leader-elect") { Description = "Run leader election so only one replica reconciles." };
    private readonly Option<string?> _leaderNamespace = new("--leader-election-namespace") { Description = "Namespace of the leader Lease (default: the operator's own namespace: POD_NAMESPACE, else the service account's, else llmkube-system)." };
    private readonly Option<int> _metricsPort = new("--metrics-port") { Description = "Port of /metrics; 0 disables.", DefaultValueFactory = _ => 8080 };
    private readonly Option<int> _healthPort = new("--health-port") { Description = "Port of /healthz and /readyz; 0 disables.", DefaultValueFactory = _ => 8081 };
    private readonly Option<string[]> _fetcherNetworks = new("--fetcher-allowed-networks") { Description = "Networks (CIDRs, repeatable or comma-separated) the fetcher may download from although they are loopback, link-local or private: private mirrors. None by default." };
    private readonly Option<bool> _privateProbes = new("--allow-private-source-probes") { Description = "Allow the Model controller's HEAD probes to reach loopback and private addresses (off by default)." };
    private readonly Option<int> _workers = new("--workers") { Description = "Reconcile workers per controller.", DefaultValueFactory = _ => 4 };
    private readonly Option<string> _resync = new("--resync-period") { Description = "How often cached objects are re-reconciled without a change (e.g. 10m).", DefaultValueFactory = _ => "10m" };
    private readonly Option<string> _eventDedup = new("--event-dedup-window") { Description = "An identical event about the same object is written once per this window; a repeat after it patches the Event's count (e.g. 1h).", DefaultValueFactory = _ => "1h" };
    private readonly Option<string?> _logFormat = new("--log-format") { Description = "json (one object per line) or text (default: json, text when standard output is a terminal)." };
    private readonly Option<string?> _logLevel = new("--log-level") { Description = "trace, debug, info, warn, error or critical (default: info)." };
    private readonly Option<string?> _zapLogLevel = new("--zap-log-level") { Description = "Upstream's flag: debug, info, warn, error, dpanic, panic, fatal or a verbosity number; --log-level wins." };
    private readonly Option<string?> _zapEncoder = new("--zap-encoder") { Description = "Upstream's flag: json or console; --log-format wins." };
    private readonly Option<bool> _zapDevel = new("--zap-devel") { Description = "Upstream's flag: text at debug level unless --log-format/--log-level (or the zap flags) say otherwise." };
    private readonly Option<string?> _zapStacktrace = new("--zap-stacktrace-level") { Description = "Upstream's flag, accepted (info, error or panic): stack traces are written for defects only, never for API errors." };
    private readonly Option<string?> _zapTime = new("--zap-time-encoding") { Description = "Upstream's flag, accepted (epoch, millis, nano, iso8601, rfc3339, rfc3339nano): timestamps are always RFC 3339 in UTC." };
    private readonly Option<string> _revalidate = new("--revalidate-interval", "--model-revalidate-interval") { Description = "How often Ready Models are checked for upstream changes (e.g. 1h, 30m); --model-revalidate-interval is upstream's name.", DefaultValueFactory = _ => "1h" };

    public RootCommand Command { get; }

    public OperatorCommandLine()
    {
        Command = new RootCommand("llmkube-operator: reconciles Models and InferenceServices into llama.cpp Deployments with a model cache.")
        {
            _kubeconfig, _namespace, _cacheMode, _cacheEnabled, _cacheSize, _storageClass, _accessMode, _fetcherImage,
            _serverImage, _serverCudaImage, _fsGroup, _hostRoots, _podSecurityLevel, _allowedImages, _caConfigMap, _leaderElect, _leaderNamespace,
            _metricsPort, _healthPort, _revalidate, _privateProbes, _workers, _resync, _eventDedup, _fetcherNetworks,
            _logFormat, _logLevel, _zapLogLevel, _zapEncoder, _zapDevel, _zapStacktrace, _zapTime,
        };
    }

    /// <summary>Options from a parse result, or every problem found, each naming its flag.</summary>
    public (OperatorOptions? Options, IReadOnlyList<string> Errors) Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var errors = parse.Errors.Select(e => e.Message).ToList();
        var mode = parse.GetValue(_cacheMode)!;
        if (mode is not (CacheModes.Shared or CacheModes.PerService))
        {
            errors.Add($"--model-cache-mode \"{mode}\" is not valid: use shared or perService");
        }

        var enabledText = parse.GetValue(_cacheEnabled)!;
        if (!bool.TryParse(enabledText, out var enabled))
        {
            errors.Add($"--model-cache-enabled \"{enabledText}\" is not valid: use true or false");
        }

        var size = parse.GetValue(_cacheSize)!;
        if (!SpecChecks.TryParseQuantity(size) || size.StartsWith('0'))
        {
            errors.Add($"--model-cache-size \"{size}\" is not a valid storage size (for example 100Gi)");
        }

        var accessMode = parse.GetValue(_accessMode)!;
        if (!AccessModes.Contains(accessMode, StringComparer.Ordinal))
        {
            errors.Add($"--model-cache-access-mode \"{accessMode}\" is not valid: use one of {string.Join(", ", AccessModes)}");
        }

        var revalidateText = parse.GetValue(_revalidate)!;
        if (!GoDuration.TryParse(revalidateText, out var revalidate) || revalidate <= TimeSpan.Zero)
        {
            errors.Add($"--revalidate-interval \"{revalidateText}\" is not a positive duration (for example 1h or 30m)");
        }

        var resyncText = parse.GetValue(_resync)!;
        if (!GoDuration.TryParse(resyncText, out var resync) || resync <= TimeSpan.Zero)
        {
            errors.Add($"--resync-period \"{resyncText}\" is not a positive duration (for example 10m)");
        }

        var dedupText = parse.GetValue(_eventDedup)!;
        if (!GoDuration.TryParse(dedupText, out var dedup) || dedup <= TimeSpan.Zero)
        {
            errors.Add($"--event-dedup-window \"{dedupText}\" is not a positive duration (for example 1h)");
        }

        var roots = (parse.GetValue(_hostRoots) ?? []).SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        foreach (var root in roots.Where(r => !r.StartsWith('/') || r.Split('/').Contains("..")))
        {
            errors.Add($"--allowed-host-path-roots \"{root}\" must be an absolute path without '..'");
        }

        var level = parse.GetValue(_podSecurityLevel)!;
        if (level is not (PodSecurityLevels.Baseline or PodSecurityLevels.Privileged))
        {
            errors.Add($"{WorkloadPolicy.LevelFlag} \"{level}\" is not valid: use {PodSecurityLevels.Baseline} or {PodSecurityLevels.Privileged}");
        }

        var images = (parse.GetValue(_allowedImages) ?? []).SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

        var networks = (parse.GetValue(_fetcherNetworks) ?? []).SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        foreach (var network in networks)
        {
            try
            {
                // The fetcher reads the list with the same parser (LLMKUBE_ALLOWED_NETWORKS): refuse here what it would refuse.
                AddressPolicy.Parse([network]);
            }
            catch (FormatException)
            {
                errors.Add($"--fetcher-allowed-networks \"{network}\" is not a network (CIDR such as 10.0.0.0/8) or an address");
            }
        }

        foreach (var (flag, port) in new[] { ("--metrics-port", parse.GetValue(_metricsPort)), ("--health-port", parse.GetValue(_healthPort)) })
        {
            if (port is < 0 or > 65535)
            {
                errors.Add($"{flag} {port} is not a port number (0 disables)");
            }
        }

        if (parse.GetValue(_workers) is < 1 or > 64)
        {
            errors.Add($"--workers {parse.GetValue(_workers)} must be between 1 and 64");
        }

        var (logFormat, logLevel) = BindLogging(parse, errors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new OperatorOptions
        {
            Kubeconfig = parse.GetValue(_kubeconfig),
            Namespace = parse.GetValue(_namespace) is { Length: > 0 } ns ? ns : null,
            ModelCacheMode = mode,
            ModelCacheEnabled = enabled,
            ModelCacheSize = size,
            ModelCacheStorageClass = parse.GetValue(_storageClass) is { Length: > 0 } storageClass ? storageClass : null,
            ModelCacheAccessMode = accessMode,
            FetcherImage = parse.GetValue(_fetcherImage)!,
            ServerImage = parse.GetValue(_serverImage)!,
            ServerCudaImage = parse.GetValue(_serverCudaImage)!,
            DefaultFsGroup = parse.GetValue(_fsGroup),
            AllowedHostPathRoots = roots,
            PodSecurityLevel = level,
            AllowedImages = images,
            CaCertConfigMap = parse.GetValue(_caConfigMap) is { Length: > 0 } ca ? ca : null,
            LeaderElect = parse.GetValue(_leaderElect),
            LeaderElectionNamespace = parse.GetValue(_leaderNamespace) is { Length: > 0 } leaseNamespace ? leaseNamespace : null,
            MetricsPort = parse.GetValue(_metricsPort),
            HealthPort = parse.GetValue(_healthPort),
            RevalidateInterval = revalidate,
            AllowPrivateSourceProbes = parse.GetValue(_privateProbes),
            FetcherAllowedNetworks = networks,
            Workers = parse.GetValue(_workers),
            ResyncPeriod = resync,
            EventDedupWindow = dedup,
            LogFormat = logFormat,
            LogLevel = logLevel,
        }, []);
    }

    private (LogFormat? Format, Microsoft.Extensions.Logging.LogLevel Level) BindLogging(ParseResult parse, List<string> errors)
    {
        T? Parse<T>(Option<string?> option, Func<string, T?> parser, string allowed)
            where T : struct
        {
            if (parse.GetValue(option) is not { } text)
            {
                return null;
            }

            var value = parser(text);
            if (value is null)
            {
                errors.Add($"{option.Name} \"{text}\" is not valid: use {allowed}");
            }

            return value;
        }

        var format = Parse(_logFormat, LogFlags.ParseFormat, "json or text");
        var level = Parse(_logLevel, LogFlags.ParseLevel, string.Join(", ", LogFlags.Levels));
        var zapEncoder = Parse(_zapEncoder, LogFlags.ParseZapEncoder, "json or console");
        var zapLevel = Parse(_zapLogLevel, LogFlags.ParseZapLevel, string.Join(", ", LogFlags.ZapLevels) + " or a verbosity number");
        foreach (var (option, allowed) in new[] { (_zapStacktrace, LogFlags.ZapStacktraceLevels), (_zapTime, LogFlags.ZapTimeEncodings) })
        {
            if (parse.GetValue(option) is { } text && !allowed.Contains(text, StringComparer.Ordinal))
            {
                errors.Add($"{option.Name} \"{text}\" is not valid: use {string.Join(", ", allowed)}");
            }
        }

        var devel = parse.GetValue(_zapDevel);
        return (format ?? zapEncoder ?? (devel ? LogFormat.Text : null),
            level ?? zapLevel ?? (devel ? Microsoft.Extensions.Logging.LogLevel.Debug : Microsoft.Extensions.Logging.LogLevel.Information));
    }
}
