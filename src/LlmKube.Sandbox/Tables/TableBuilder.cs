using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;

namespace LlmKube.Sandbox.Tables;

/// <summary>Builds <c>meta.k8s.io/v1 Table</c> responses: built-in columns, or a CRD's additionalPrinterColumns.</summary>
internal static class TableBuilder
{
    public const string ContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    public static IReadOnlyList<Column> Columns(ResourceType type)
    {
        if (type.Custom is not { } custom)
        {
            return BuiltinColumns.For(type.Group, type.Kind);
        }

        if (custom.Columns.Count == 0)
        {
            return [BuiltinColumns.Name, BuiltinColumns.Age];
        }

        var columns = new List<Column> { BuiltinColumns.Name };
        foreach (var printer in custom.Columns)
        {
            var path = printer.JsonPath;
            var type2 = printer.Type;
            columns.Add(new Column(printer.Name, printer.Type == "date" ? "string" : printer.Type, printer.Format ?? string.Empty, printer.Priority, (obj, now) => Cell(obj, path, type2, now)));
        }

        return columns;
    }

    /// <summary>A Table of the given objects (in their presented shape).</summary>
    public static JsonObject Build(ResourceType type, IEnumerable<JsonObject> objects, DateTimeOffset now, string includeObject, bool withColumns, JsonObject? listMetadata)
    {
        var columns = Columns(type);
        var definitions = new JsonArray();
        if (withColumns)
        {
            foreach (var column in columns)
            {
                definitions.Add(new JsonObject
                {
                    ["name"] = column.Name,
                    ["type"] = column.Type,
                    ["format"] = column.Format,
                    ["description"] = column.Name,
                    ["priority"] = column.Priority,
                });
            }
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray();
            foreach (var column in columns)
            {
                cells.Add(column.Cell(obj, now)?.DeepClone());
            }

            var row = new JsonObject { ["cells"] = cells };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = obj.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone(),
                    };
                    break;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMetadata ?? new JsonObject(),
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static JsonNode? Cell(JsonObject obj, string path, string type, DateTimeOffset now)
    {
        var values = JsonPathLite.Evaluate(obj, path);
        if (values.Count == 0 || values[0] is null)
        {
            return null;
        }

        if (type == "date")
        {
            var text = JsonUtil.ToText(values[0]).Trim('"');
            return JsonUtil.ParseTimestamp(text) is { } time ? HumanDuration.Format(now - time) : text;
        }

        if (values.Count > 1)
        {
            return string.Join(",", values.Select(v => v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : JsonUtil.ToText(v)));
        }

        return values[0]!.DeepClone();
    }

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
