using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Storage;

namespace LlmKube.Sandbox.Api;

/// <summary>Converts between the shape a request speaks (its group/version) and the stored shape.</summary>
internal static class Presenter
{
    /// <summary>An incoming object in the stored shape (Events become core/v1; CRs get the storage version).</summary>
    public static JsonObject ToStorage(ResourceType type, JsonObject incoming)
    {
        var obj = EventConversion.IsEventsGroup(type) ? EventConversion.ToCore(incoming) : incoming;
        obj["apiVersion"] = type.StorageApiVersion;
        obj["kind"] = type.Kind;
        return obj;
    }

    /// <summary>The stored object as the request's group/version shows it, serialised.</summary>
    public static byte[] Bytes(ResourceType type, StoredObject stored) =>
        type.ApiVersion == type.StorageApiVersion ? stored.Json : JsonUtil.ToBytes(Object(type, stored));

    /// <summary>A private copy of the stored object as the request's group/version shows it.</summary>
    public static JsonObject Object(ResourceType type, StoredObject stored) => Object(type, stored.Clone());

    public static JsonObject Object(ResourceType type, JsonObject storedShape)
    {
        if (EventConversion.IsEventsGroup(type))
        {
            return EventConversion.ToEvents(storedShape);
        }

        storedShape["apiVersion"] = type.ApiVersion;
        return storedShape;
    }
}
