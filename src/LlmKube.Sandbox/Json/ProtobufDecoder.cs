using System.Text;
using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Json;

/// <summary>
/// Decodes the Kubernetes protobuf envelope (<c>k8s\0</c> + <c>runtime.Unknown</c>) for the few kinds kubectl's
/// typed commands send as protobuf (<c>create namespace|configmap|secret|serviceaccount|role|clusterrole|
/// rolebinding|clusterrolebinding</c>, <c>auth can-i</c>, <c>auth whoami</c>). Zero values are dropped, as Go's JSON omitempty would.
/// Returns null for any other kind.
/// </summary>
internal static class ProtobufDecoder
{
    private enum T
    {
        Str,
        Bytes,
        Int,
        Bool,
        Time,
        Msg,
        MapStr,
        MapBytes,
        RepStr,
        RepMsg,
    }

    private sealed record F(string Name, T Type, Dictionary<int, F>? Sub = null);

    private static readonly Dictionary<int, F> OwnerRef = new()
    {
        [1] = new("kind", T.Str), [3] = new("name", T.Str), [4] = new("uid", T.Str), [5] = new("apiVersion", T.Str),
        [6] = new("controller", T.Bool), [7] = new("blockOwnerDeletion", T.Bool),
    };

    private static readonly Dictionary<int, F> Meta = new()
    {
        [1] = new("name", T.Str), [2] = new("generateName", T.Str), [3] = new("namespace", T.Str), [5] = new("uid", T.Str),
        [6] = new("resourceVersion", T.Str), [7] = new("generation", T.Int), [8] = new("creationTimestamp", T.Time),
        [11] = new("labels", T.MapStr), [12] = new("annotations", T.MapStr), [13] = new("ownerReferences", T.RepMsg, OwnerRef),
        [14] = new("finalizers", T.RepStr),
    };

    private static readonly Dictionary<int, F> Rule = new()
    {
        [1] = new("verbs", T.RepStr), [2] = new("apiGroups", T.RepStr), [3] = new("resources", T.RepStr),
        [4] = new("resourceNames", T.RepStr), [5] = new("nonResourceURLs", T.RepStr),
    };

    private static readonly Dictionary<int, F> Subject = new()
    {
        [1] = new("kind", T.Str), [2] = new("apiGroup", T.Str), [3] = new("name", T.Str), [4] = new("namespace", T.Str),
    };

    private static readonly Dictionary<int, F> RoleRef = new() { [1] = new("apiGroup", T.Str), [2] = new("kind", T.Str), [3] = new("name", T.Str) };

    private static readonly Dictionary<int, F> LocalRef = new() { [1] = new("name", T.Str) };

    private static readonly Dictionary<string, Dictionary<int, F>> Kinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("spec", T.Msg, new() { [1] = new("finalizers", T.RepStr) }) },
        ["ConfigMap"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("data", T.MapStr), [3] = new("binaryData", T.MapBytes), [4] = new("immutable", T.Bool) },
        ["Secret"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("data", T.MapBytes), [3] = new("type", T.Str), [4] = new("stringData", T.MapStr), [5] = new("immutable", T.Bool) },
        ["ServiceAccount"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("secrets", T.RepMsg, LocalRef), [3] = new("imagePullSecrets", T.RepMsg, LocalRef), [4] = new("automountServiceAccountToken", T.Bool) },
        ["Role"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("rules", T.RepMsg, Rule) },
        ["ClusterRole"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("rules", T.RepMsg, Rule) },
        ["RoleBinding"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("subjects", T.RepMsg, Subject), [3] = new("roleRef", T.Msg, RoleRef) },
        ["ClusterRoleBinding"] = new() { [1] = new("metadata", T.Msg, Meta), [2] = new("subjects", T.RepMsg, Subject), [3] = new("roleRef", T.Msg, RoleRef) },
        ["SelfSubjectAccessReview"] = new()
        {
            [1] = new("metadata", T.Msg, Meta),
            [2] = new("spec", T.Msg, new()
            {
                [1] = new("resourceAttributes", T.Msg, new()
                {
                    [1] = new("namespace", T.Str), [2] = new("verb", T.Str), [3] = new("group", T.Str), [4] = new("version", T.Str),
                    [5] = new("resource", T.Str), [6] = new("subresource", T.Str), [7] = new("name", T.Str),
                }),
                [2] = new("nonResourceAttributes", T.Msg, new() { [1] = new("path", T.Str), [2] = new("verb", T.Str) }),
            }),
        },
        ["SelfSubjectReview"] = new() { [1] = new("metadata", T.Msg, Meta) },
    };

    public static JsonObject? Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || !body[..4].SequenceEqual("k8s\0"u8))
        {
            return null;
        }

        var envelope = new Reader(body[4..].ToArray());
        string apiVersion = string.Empty, kind = string.Empty;
        byte[] raw = [];
        while (envelope.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                var typeMeta = new Reader(envelope.Bytes());
                while (typeMeta.Next(out var f, out var w))
                {
                    if (f == 1 && w == 2)
                    {
                        apiVersion = Encoding.UTF8.GetString(typeMeta.Bytes());
                    }
                    else if (f == 2 && w == 2)
                    {
                        kind = Encoding.UTF8.GetString(typeMeta.Bytes());
                    }
                    else
                    {
                        typeMeta.Skip(w);
                    }
                }
            }
            else if (field == 2 && wire == 2)
            {
                raw = envelope.Bytes();
            }
            else
            {
                envelope.Skip(wire);
            }
        }

        if (!Kinds.TryGetValue(kind, out var schema))
        {
            return null;
        }

        var obj = Message(raw, schema);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private static JsonObject Message(byte[] data, Dictionary<int, F> schema)
    {
        var obj = new JsonObject();
        var reader = new Reader(data);
        while (reader.Next(out var field, out var wire))
        {
            if (!schema.TryGetValue(field, out var f))
            {
                reader.Skip(wire);
                continue;
            }

            switch (f.Type)
            {
                case T.Str when wire == 2:
                    var text = Encoding.UTF8.GetString(reader.Bytes());
                    if (text.Length > 0)
                    {
                        obj[f.Name] = text;
                    }

                    break;
                case T.Bytes when wire == 2:
                    obj[f.Name] = Convert.ToBase64String(reader.Bytes());
                    break;
                case T.Int when wire == 0:
                    var number = (long)reader.Varint();
                    if (number != 0)
                    {
                        obj[f.Name] = number;
                    }

                    break;
                case T.Bool when wire == 0:
                    if (reader.Varint() != 0)
                    {
                        obj[f.Name] = true;
                    }

                    break;
                case T.Time when wire == 2:
                    var time = Message(reader.Bytes(), new() { [1] = new("seconds", T.Int) });
                    if ((long?)time["seconds"] is { } seconds && seconds != 0)
                    {
                        obj[f.Name] = JsonUtil.Timestamp(DateTimeOffset.FromUnixTimeSeconds(seconds));
                    }

                    break;
                case T.Msg when wire == 2:
                    var child = Message(reader.Bytes(), f.Sub!);
                    if (child.Count > 0)
                    {
                        obj[f.Name] = child;
                    }

                    break;
                case T.RepStr when wire == 2:
                    Array(obj, f.Name).Add(Encoding.UTF8.GetString(reader.Bytes()));
                    break;
                case T.RepMsg when wire == 2:
                    Array(obj, f.Name).Add(Message(reader.Bytes(), f.Sub!));
                    break;
                case T.MapStr or T.MapBytes when wire == 2:
                    var entry = new Reader(reader.Bytes());
                    string key = string.Empty, value = string.Empty;
                    while (entry.Next(out var ef, out var ew))
                    {
                        if (ew != 2)
                        {
                            entry.Skip(ew);
                            continue;
                        }

                        var bytes = entry.Bytes();
                        if (ef == 1)
                        {
                            key = Encoding.UTF8.GetString(bytes);
                        }
                        else if (ef == 2)
                        {
                            value = f.Type == T.MapBytes ? Convert.ToBase64String(bytes) : Encoding.UTF8.GetString(bytes);
                        }
                    }

                    JsonUtil.EnsureObject(obj, f.Name)[key] = value;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return obj;
    }

    private static JsonArray Array(JsonObject obj, string name)
    {
        if (obj[name] is JsonArray existing)
        {
            return existing;
        }

        var created = new JsonArray();
        obj[name] = created;
        return created;
    }

    private sealed class Reader
    {
        private readonly byte[] _data;
        private int _position;

        public Reader(byte[] data) => _data = data;

        public bool Next(out int field, out int wire)
        {
            field = 0;
            wire = 0;
            if (_position >= _data.Length)
            {
                return false;
            }

            var key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_position++];
                result |= (ulong)(b & 0x7f) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            return result;
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            var bytes = _data.AsSpan(_position, length).ToArray();
            _position += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    _position += 8;
                    break;
                case 2:
                    var length = (int)Varint();
                    _position += length;
                    break;
                case 5:
                    _position += 4;
                    break;
                default:
                    throw new FormatException($"unsupported protobuf wire type {wire}");
            }
        }
    }
}
