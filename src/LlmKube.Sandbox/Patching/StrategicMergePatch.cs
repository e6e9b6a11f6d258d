using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;

namespace LlmKube.Sandbox.Patching;

/// <summary>
/// Strategic merge patch for the built-in kinds: objects merge, <c>null</c> deletes, lists merge by their
/// merge key (<see cref="BuiltinListStrategies"/>) or replace. Directives honoured: <c>$patch: replace|delete|merge</c>
/// on maps and list items, <c>$deleteFromPrimitiveList/f</c>, <c>$setElementOrder/f</c> (items named there
/// first, in that order, then the rest in their current order) and <c>$retainKeys</c>.
/// </summary>
internal static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeys = "$retainKeys";
    private const string DeletePrimitivePrefix = "$deleteFromPrimitiveList/";
    private const string SetOrderPrefix = "$setElementOrder/";

    public static JsonObject Apply(JsonObject target, JsonObject patch, ListStrategyResolver resolve)
    {
        var path = new List<string>();
        return MergeMap(target, patch, path, resolve) ?? new JsonObject();
    }

    private static JsonObject? MergeMap(JsonObject target, JsonObject patch, List<string> path, ListStrategyResolver resolve)
    {
        switch ((string?)patch[PatchDirective])
        {
            case "delete":
                return null;
            case "replace":
                return Clean(patch);
            case null or "merge":
                break;
            default:
                throw ApiException.BadRequest($"Unrecognized $patch directive: {(string?)patch[PatchDirective]}");
        }

        foreach (var (key, value) in patch)
        {
            if (key == PatchDirective || key == RetainKeys || key.StartsWith(SetOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (key.StartsWith(DeletePrimitivePrefix, StringComparison.Ordinal))
            {
                var field = key[DeletePrimitivePrefix.Length..];
                if (target[field] is JsonArray list && value is JsonArray remove)
                {
                    for (var i = list.Count - 1; i >= 0; i--)
                    {
                        if (remove.Any(r => JsonNode.DeepEquals(r, list[i])))
                        {
                            list.RemoveAt(i);
                        }
                    }
                }

                continue;
            }

            path.Add(key);
            try
            {
                if (value is null)
                {
                    target.Remove(key);
                }
                else if (value is JsonObject child)
                {
                    var existing = target[key] as JsonObject;
                    if (existing is not null)
                    {
                        target.Remove(key);
                    }

                    var merged = MergeMap(existing ?? new JsonObject(), child, path, resolve);
                    if (merged is not null)
                    {
                        target[key] = merged;
                    }
                }
                else if (value is JsonArray items)
                {
                    var existing = target[key] as JsonArray;
                    if (existing is not null)
                    {
                        target.Remove(key);
                    }

                    target[key] = MergeList(existing, items, path, resolve);
                }
                else
                {
                    target[key] = value.DeepClone();
                }
            }
            finally
            {
                path.RemoveAt(path.Count - 1);
            }
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetOrderPrefix, StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key[SetOrderPrefix.Length..];
                path.Add(field);
                if (target[field] is JsonArray list)
                {
                    Reorder(list, order, resolve(path));
                }

                path.RemoveAt(path.Count - 1);
            }
        }

        if (patch[RetainKeys] is JsonArray retain)
        {
            var keep = retain.Select(k => (string?)k).ToHashSet(StringComparer.Ordinal);
            foreach (var key in target.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key))
                {
                    target.Remove(key);
                }
            }
        }

        return target;
    }

    private static JsonArray MergeList(JsonArray? target, JsonArray patch, List<string> path, ListStrategyResolver resolve)
    {
        var strategy = resolve(path);
        if (patch.Any(i => i is JsonObject o && (string?)o[PatchDirective] == "replace"))
        {
            return new JsonArray(patch.Where(i => !(i is JsonObject o && o[PatchDirective] is not null)).Select(i => i?.DeepClone()).ToArray());
        }

        if (target is null || strategy.Merge == ListMerge.Atomic)
        {
            return new JsonArray(patch.Where(i => !(i is JsonObject o && (string?)o[PatchDirective] == "delete")).Select(i => Clean(i)).ToArray());
        }

        if (strategy.Merge == ListMerge.Set)
        {
            foreach (var item in patch)
            {
                if (!target.Any(t => JsonNode.DeepEquals(t, item)))
                {
                    target.Add(item?.DeepClone());
                }
            }

            return target;
        }

        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem)
            {
                target.Add(item?.DeepClone());
                continue;
            }

            var index = IndexOf(target, patchItem, strategy.Keys);
            if ((string?)patchItem[PatchDirective] == "delete")
            {
                if (index >= 0)
                {
                    target.RemoveAt(index);
                }

                continue;
            }

            if (index < 0)
            {
                target.Add(Clean(patchItem));
                continue;
            }

            var existing = (JsonObject)target[index]!;
            target.RemoveAt(index);
            var merged = MergeMap(existing, patchItem, path, resolve);
            if (merged is not null)
            {
                target.Insert(index, merged);
            }
        }

        return target;
    }

    private static int IndexOf(JsonArray list, JsonObject item, IReadOnlyList<string> keys)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject candidate && keys.All(k => item[k] is null || JsonNode.DeepEquals(candidate[k], item[k])) && keys.Any(k => item[k] is not null))
            {
                return i;
            }
        }

        return -1;
    }

    private static void Reorder(JsonArray list, JsonArray order, ListStrategy strategy)
    {
        int Rank(JsonNode? item)
        {
            for (var i = 0; i < order.Count; i++)
            {
                var matches = strategy.Merge == ListMerge.ByKeys && item is JsonObject o && order[i] is JsonObject wanted
                    ? strategy.Keys.All(k => wanted[k] is null || JsonNode.DeepEquals(o[k], wanted[k]))
                    : JsonNode.DeepEquals(item, order[i]);
                if (matches)
                {
                    return i;
                }
            }

            return int.MaxValue;
        }

        var items = list.Select((item, position) => (Item: item, Rank: Rank(item), Position: position)).ToList();
        var sorted = items.OrderBy(x => x.Rank).ThenBy(x => x.Position).Select(x => x.Item).ToList();
        list.Clear();
        foreach (var item in sorted)
        {
            list.Add(item?.DeepClone());
        }
    }

    /// <summary>A copy of a patch fragment with every directive removed (what is stored when it is new).</summary>
    private static JsonNode? Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (key.StartsWith('$') || value is null)
                    {
                        continue;
                    }

                    copy[key] = Clean(value);
                }

                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(Clean).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static JsonObject Clean(JsonObject obj) => (JsonObject)Clean((JsonNode)obj)!;
}
