using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// One shared instance per distinct pod-spec part among the objects entering an informer cache: per container the
/// security context, resources, probes, mounts and ports; per pod the security context, volumes, tolerations, affinity,
/// node selector and pull secrets; a Deployment's strategy; a Service's ports. Every operator-built Deployment repeats
/// these verbatim (at 5,000 services they were about a fifth of the managed heap: 15,000 containers, each with its own
/// probes, resource dictionaries and <see cref="ResourceQuantity"/>s), and the <see cref="StringPool"/> only shares
/// their strings. Parts are compared by their JSON with the client's options (resources by value and format, which
/// writes the same JSON), so a shared part serializes exactly as the one it replaces; about a dozen small
/// serializations, some 7 µs once jitted, per Deployment event. Cached objects are never mutated (see
/// <see cref="Indexer{T}"/>), and deep copies go through JSON, so sharing is invisible to readers. Bounded: at most
/// <see cref="Capacity"/> parts of at most <see cref="MaxBytes"/> bytes of JSON; when full it starts over (cached
/// objects keep their instances), so unique parts cannot grow it over a long life. Env and args are left alone: they
/// carry per-service values.
/// </summary>
public sealed class SharedParts
{
    private readonly ConcurrentDictionary<byte[], object> _parts = new(BytesComparer.Instance);
    private readonly ConcurrentDictionary<byte[], object>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;

    // Resources are compared by value, not JSON: writing a ResourceQuantity canonicalizes it through big-number
    // arithmetic (about 4 µs for "2Gi"), which made the JSON key of one container's resources cost 27 µs.
    private readonly ConcurrentDictionary<V1ResourceRequirements, V1ResourceRequirements> _resources = new(ResourcesComparer.Instance);
    private readonly JsonSerializerOptions _options;
    private readonly BoundedCount _count;
    private long _resets;

    public SharedParts(int capacity = 4096, int maxBytes = 2048, JsonSerializerOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        Capacity = capacity;
        MaxBytes = maxBytes;
        _options = options ?? KubernetesJsonNodes.Options;
        _count = new BoundedCount(capacity);
        _bySpan = _parts.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Capacity { get; }

    public int MaxBytes { get; }

    /// <summary>Distinct parts held now.</summary>
    public int Count => _count.Count;

    /// <summary>Times the table was full and started over.</summary>
    public long Resets => Interlocked.Read(ref _resets);

    /// <summary>
    /// Replaces the shareable parts of a freshly decoded <paramref name="obj"/> (not yet seen by anyone else) with
    /// shared equal instances; other kinds are returned untouched.
    /// </summary>
    public T Share<T>(T obj)
        where T : class
    {
        if (obj is not (V1Deployment or V1Pod or V1Service))
        {
            return obj;
        }

        using var scratch = new Scratch();
        switch (obj)
        {
            case V1Deployment { Spec: { } spec }:
                spec.Strategy = Part(spec.Strategy, Tag.Strategy, scratch);
                SharePodSpec(spec.Template?.Spec, scratch);
                break;
            case V1Pod { Spec: { } podSpec }:
                SharePodSpec(podSpec, scratch);
                break;
            case V1Service { Spec: { } serviceSpec }:
                serviceSpec.Ports = Part(serviceSpec.Ports, Tag.ServicePorts, scratch);
                serviceSpec.IpFamilies = Part(serviceSpec.IpFamilies, Tag.IpFamilies, scratch);
                break;
            default:
                break;
        }

        return obj;
    }

    private void SharePodSpec(V1PodSpec? spec, Scratch scratch)
    {
        if (spec is null)
        {
            return;
        }

        ShareContainers(spec.InitContainers, scratch);
        ShareContainers(spec.Containers, scratch);
        spec.SecurityContext = Part(spec.SecurityContext, Tag.PodSecurityContext, scratch);
        spec.Volumes = Part(spec.Volumes, Tag.Volumes, scratch);
        spec.Tolerations = Part(spec.Tolerations, Tag.Tolerations, scratch);
        spec.Affinity = Part(spec.Affinity, Tag.Affinity, scratch);
        spec.NodeSelector = Part(spec.NodeSelector, Tag.NodeSelector, scratch);
        spec.ImagePullSecrets = Part(spec.ImagePullSecrets, Tag.ImagePullSecrets, scratch);
    }

    private void ShareContainers(IList<V1Container>? containers, Scratch scratch)
    {
        if (containers is null)
        {
            return;
        }

        foreach (var c in containers)
        {
            if (c is null)
            {
                continue;
            }

            c.SecurityContext = Part(c.SecurityContext, Tag.SecurityContext, scratch);
            c.Resources = Resources(c.Resources);
            c.LivenessProbe = Part(c.LivenessProbe, Tag.Probe, scratch);
            c.ReadinessProbe = Part(c.ReadinessProbe, Tag.Probe, scratch);
            c.StartupProbe = Part(c.StartupProbe, Tag.Probe, scratch);
            c.VolumeMounts = Part(c.VolumeMounts, Tag.VolumeMounts, scratch);
            c.Ports = Part(c.Ports, Tag.ContainerPorts, scratch);
        }
    }

    /// <summary>The shared instance equal to <paramref name="part"/> (kept as the shared one when new).</summary>
    internal TPart? Part<TPart>(TPart? part, Tag tag, Scratch scratch)
        where TPart : class
    {
        if (part is null)
        {
            return part;
        }

        ReadOnlySpan<byte> key;
        try
        {
            key = scratch.Write(part, tag, _options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or FormatException or OverflowException)
        {
            // Sharing is an optimisation: a part the serializer cannot write stays as decoded.
            return part;
        }

        if (key.Length > MaxBytes)
        {
            return part;
        }

        if (_bySpan.TryGetValue(key, out var shared))
        {
            // The tag keeps kinds apart; the check guards against a tag reused for another type.
            return shared as TPart ?? part;
        }

        MakeRoom();
        return _count.GetOrAdd(_bySpan, key, (object)part) as TPart ?? part;
    }

    /// <summary>The shared requirements equal in value and in each quantity's format (so they write the same JSON).</summary>
    private V1ResourceRequirements? Resources(V1ResourceRequirements? resources)
    {
        if (resources is null || resources.Claims is not null)
        {
            return resources;
        }

        if (_resources.TryGetValue(resources, out var shared))
        {
            return shared;
        }

        MakeRoom();
        return _count.GetOrAdd(_resources, resources, resources);
    }

    /// <summary>Full: start over. Cached objects keep their instances; only sharing with later objects is lost.</summary>
    private void MakeRoom()
    {
        if (!_count.HasRoom)
        {
            _parts.Clear();
            _resources.Clear();
            _count.Cleared();
            Interlocked.Increment(ref _resets);
        }
    }

    /// <summary>Which kind of part a key belongs to: equal JSON of different types (e.g. <c>{}</c>) must not meet.</summary>
    internal enum Tag : byte
    {
        Strategy = 1,
        SecurityContext,
        Probe,
        VolumeMounts,
        ContainerPorts,
        PodSecurityContext,
        Volumes,
        Tolerations,
        Affinity,
        NodeSelector,
        ImagePullSecrets,
        ServicePorts,
        IpFamilies,
    }

    /// <summary>One object's reusable buffer: a part's key is its tag and its JSON.</summary>
    internal sealed class Scratch : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1024);
        private Utf8JsonWriter? _writer;

        public ReadOnlySpan<byte> Write<TPart>(TPart part, Tag tag, JsonSerializerOptions options)
        {
            _buffer.ResetWrittenCount();
            _buffer.GetSpan(1)[0] = (byte)tag;
            _buffer.Advance(1);
            if (_writer is null)
            {
                _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
            }
            else
            {
                _writer.Reset(_buffer);
            }

            JsonSerializer.Serialize(_writer, part, options);
            _writer.Flush();
            return _buffer.WrittenSpan;
        }

        public void Dispose() => _writer?.Dispose();
    }

    /// <summary>Equal limits and requests, entry by entry in order, each quantity equal in value and format.</summary>
    private sealed class ResourcesComparer : IEqualityComparer<V1ResourceRequirements>
    {
        public static readonly ResourcesComparer Instance = new();

        public bool Equals(V1ResourceRequirements? x, V1ResourceRequirements? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Claims is null && y.Claims is null
                && SameQuantities(x.Limits, y.Limits) && SameQuantities(x.Requests, y.Requests));

        public int GetHashCode(V1ResourceRequirements obj)
        {
            var hash = default(HashCode);
            Add(ref hash, obj.Limits);
            Add(ref hash, obj.Requests);
            return hash.ToHashCode();
        }

        private static void Add(ref HashCode hash, IDictionary<string, ResourceQuantity>? map)
        {
            hash.Add(map?.Count ?? -1);
            if (map is null)
            {
                return;
            }

            foreach (var (name, quantity) in map)
            {
                hash.Add(name, StringComparer.Ordinal);
                hash.Add(quantity);
            }
        }

        // In order: a map's entries are written in its order, and a shared map must write the same JSON.
        private static bool SameQuantities(IDictionary<string, ResourceQuantity>? x, IDictionary<string, ResourceQuantity>? y)
        {
            if (x is null || y is null)
            {
                return x is null && y is null;
            }

            if (x.Count != y.Count)
            {
                return false;
            }

            using var other = y.GetEnumerator();
            foreach (var (name, quantity) in x)
            {
                if (!other.MoveNext() || !string.Equals(name, other.Current.Key, StringComparison.Ordinal)
                    || !(quantity is null ? other.Current.Value is null : other.Current.Value is { } q && quantity.Format == q.Format && quantity.Equals(q)))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly BytesComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
