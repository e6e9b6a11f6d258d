using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Patching;

/// <summary>
/// An approximation of server-side apply without managedFields. The sandbox remembers, per object and field
/// manager, the configuration that manager applied last. Applying again (1) removes fields that manager
/// applied before and no longer applies, when their value is still the one it set, then (2) merges the new
/// configuration: objects merge, lists merge by key where the type declares keys (built-in merge keys, or
/// <c>x-kubernetes-list-type: map</c> / <c>set</c> on a CRD), other lists and scalars are replaced.
/// Conflicts between managers are not detected; <c>force</c> is accepted and ignored.
/// </summary>
internal static class ServerSideApply
{
    public static JsonObject Apply(JsonObject current, JsonObject applied, JsonObject? previous, ListStrategyResolver resolve)
    {
        var path = new List<string>();
        if (previous is not null)
        {
            RemoveDropped(current, previous, applied, path, resolve);
        }

        Merge(current, applied, path, resolve);
        return current;
    }

    private static void RemoveDropped(JsonObject target, JsonObject previous, JsonObject now, List<string> path, ListStrategyResolver resolve)
    {
        foreach (var (key, before) in previous)
        {
            if (path.Count == 0 && key is "apiVersion" or "kind")
            {
                continue;
            }

            if (path is ["metadata"] && key is "name" or "namespace")
            {
                continue;
            }

            if (!target.TryGetPropertyValue(key, out var actual))
            {
                continue;
            }

            if (!now.TryGetPropertyValue(key, out var after))
            {
                if (JsonNode.DeepEquals(actual, before) || (before is JsonObject && actual is JsonObject))
                {
                    if (before is JsonObject beforeObject && actual is JsonObject actualObject && !JsonNode.DeepEquals(actual, before))
                    {
                        path.Add(key);
                        RemoveDropped(actualObject, beforeObject, new JsonObject(), path, resolve);
                        path.RemoveAt(path.Count - 1);
                        if (actualObject.Count == 0)
                        {
                            target.Remove(key);
                        }
                    }
                    else
                    {
                        target.Remove(key);
                    }
                }

                continue;
            }

            path.Add(key);
            if (before is JsonObject b && after is JsonObject a && actual is JsonObject t)
            {
                RemoveDropped(t, b, a, path, resolve);
            }
            else if (before is JsonArray bl && after is JsonArray al && actual is JsonArray tl)
            {
                var strategy = resolve(path);
                if (strategy.Merge == ListMerge.ByKeys)
                {
                    foreach (var item in bl.OfType<JsonObject>())
                    {
                        if (Find(al, item, strategy.Keys) < 0)
                        {
                            var index = Find(tl, item, strategy.Keys);
                            if (index >= 0)
                            {
                                tl.RemoveAt(index);
                            }
                        }
                    }
                }
                else if (strategy.Merge == ListMerge.Set)
                {
                    foreach (var item in bl)
                    {
                        if (!al.Any(x => JsonNode.DeepEquals(x, item)))
                        {
                            var index = tl.Select((x, i) => (x, i)).FirstOrDefault(p => JsonNode.DeepEquals(p.x, item), (null, -1)).Item2;
                            if (index >= 0)
                            {
                                tl.RemoveAt(index);
                            }
                        }
                    }
                }
            }

            path.RemoveAt(path.Count - 1);
        }
    }

    private static void Merge(JsonObject target, JsonObject applied, List<string> path, ListStrategyResolver resolve)
    {
        foreach (var (key, value) in applied)
        {
            path.Add(key);
            switch (value)
            {
                case null:
                    target.Remove(key);
                    break;
                case JsonObject obj when target[key] is JsonObject existing:
                    Merge(existing, obj, path, resolve);
                    break;
                case JsonArray list when target[key] is JsonArray existingList:
                    MergeList(existingList, list, path, resolve, target, key);
                    break;
                default:
                    target[key] = value.DeepClone();
                    break;
            }

            path.RemoveAt(path.Count - 1);
        }
    }

    private static void MergeList(JsonArray target, JsonArray applied, List<string> path, ListStrategyResolver resolve, JsonObject parent, string key)
    {
        var strategy = resolve(path);
        switch (strategy.Merge)
        {
            case ListMerge.ByKeys:
                foreach (var item in applied)
                {
                    if (item is JsonObject obj && Find(target, obj, strategy.Keys) is var index and >= 0)
                    {
                        Merge((JsonObject)target[index]!, obj, path, resolve);
                    }
                    else
                    {
                        target.Add(item?.DeepClone());
                    }
                }

                break;
            case ListMerge.Set:
                foreach (var item in applied)
                {
                    if (!target.Any(x => JsonNode.DeepEquals(x, item)))
                    {
                        target.Add(item?.DeepClone());
                    }
                }

                break;
            default:
                parent[key] = applied.DeepClone();
                break;
        }
    }

    private static int Find(JsonArray list, JsonObject item, IReadOnlyList<string> keys)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject candidate && keys.All(k => JsonNode.DeepEquals(candidate[k], item[k])))
            {
                return i;
            }
        }

        return -1;
    }
}
