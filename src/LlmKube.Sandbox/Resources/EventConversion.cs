using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Resources;

/// <summary>
/// Events are stored once, in the <c>core/v1</c> shape, and served as <c>events.k8s.io/v1</c> too, converting
/// field by field as the API server does (regarding↔involvedObject, note↔message, reportingController↔
/// reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count↔source/firstTimestamp/lastTimestamp/count).
/// </summary>
internal static class EventConversion
{
    private static readonly (string Core, string Events)[] Fields =
    [
        ("involvedObject", "regarding"),
        ("message", "note"),
        ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"),
    ];

    private static readonly string[] Shared = ["metadata", "reason", "type", "eventTime", "series", "action", "related", "reportingInstance"];

    public static bool IsEventsGroup(ResourceType type) => type.Group == "events.k8s.io";

    public static JsonObject ToCore(JsonObject events)
    {
        var core = new JsonObject { ["kind"] = "Event", ["apiVersion"] = "v1" };
        Copy(events, core, Shared);
        foreach (var (coreName, eventsName) in Fields)
        {
            if (events[eventsName] is { } value)
            {
                core[coreName] = value.DeepClone();
            }
        }

        return core;
    }

    public static JsonObject ToEvents(JsonObject core)
    {
        var events = new JsonObject { ["kind"] = "Event", ["apiVersion"] = "events.k8s.io/v1" };
        Copy(core, events, Shared);
        foreach (var (coreName, eventsName) in Fields)
        {
            if (core[coreName] is { } value)
            {
                events[eventsName] = value.DeepClone();
            }
        }

        return events;
    }

    /// <summary>Maps a field-selector field of the events.k8s.io shape to the stored core shape.</summary>
    public static string CoreFieldName(string field)
    {
        foreach (var (coreName, eventsName) in Fields)
        {
            if (field == eventsName)
            {
                return coreName;
            }

            if (field.StartsWith(eventsName + ".", StringComparison.Ordinal))
            {
                return coreName + field[eventsName.Length..];
            }
        }

        return field;
    }

    private static void Copy(JsonObject from, JsonObject to, string[] names)
    {
        foreach (var name in names)
        {
            if (from[name] is { } value)
            {
                to[name] = value.DeepClone();
            }
        }
    }
}
