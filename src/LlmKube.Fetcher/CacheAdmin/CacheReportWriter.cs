using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmKube.Fetcher.CacheAdmin;

/// <summary>
/// The JSON reports of cache-ls and cache-rm (docs/CONTRACTS.md section 5), compact, written with Utf8JsonWriter (no
/// reflection, AOT-safe). When the report is longer than the limit, details are dropped in steps — sources, then
/// digests and times, then file lists, then whole entries — and <c>truncated</c> names the step reached.
/// </summary>
internal static class CacheReportWriter
{
    private static readonly string[] ListingSteps = ["", "sources", "details", "files", "entries"];

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Listing(CacheScan scan, int limit)
    {
        foreach (var step in ListingSteps)
        {
            var text = WriteListing(scan, step, scan.Entries.Count);
            if (Encoding.UTF8.GetByteCount(text) <= limit)
            {
                return text;
            }
        }

        for (var kept = scan.Entries.Count - 1; kept >= 0; kept--)
        {
            var text = WriteListing(scan, "entries", kept);
            if (Encoding.UTF8.GetByteCount(text) <= limit)
            {
                return text;
            }
        }

        return WriteListing(scan, "entries", 0);
    }

    public static string Removal(RemovalResult result, int limit)
    {
        foreach (var errorLength in new[] { 300, 80, 0 })
        {
            var text = Write(writer =>
            {
                writer.WriteNumber("v", 1);
                writer.WriteStartArray("removed");
                foreach (var (key, bytes) in result.Removed)
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", key);
                    writer.WriteNumber("bytes", bytes);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteStartArray("absent");
                foreach (var key in result.Absent)
                {
                    writer.WriteStringValue(key);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("failed");
                foreach (var (key, error) in result.Failed)
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", key);
                    writer.WriteString("error", error.Length <= errorLength ? error : error[..errorLength] + (errorLength > 0 ? "…" : "(error text left out)"));
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            });
            if (Encoding.UTF8.GetByteCount(text) <= limit)
            {
                return text;
            }
        }

        return """{"v":1,"truncated":"everything","removed":[],"absent":[],"failed":[]}""";
    }

    private static string WriteListing(CacheScan scan, string step, int keptEntries)
    {
        var level = Array.IndexOf(ListingSteps, step);
        return Write(writer =>
        {
            writer.WriteNumber("v", 1);
            writer.WriteNumber("bytes", scan.Bytes);
            writer.WriteStartArray("entries");
            foreach (var entry in scan.Entries.Take(keptEntries))
            {
                writer.WriteStartObject();
                writer.WriteString("key", entry.Key);
                writer.WriteNumber("bytes", entry.Bytes);
                writer.WriteNumber("fileCount", entry.Files.Count);
                writer.WriteNumber("partialBytes", entry.PartialBytes);
                writer.WriteBoolean("busy", entry.Busy);
                if (entry.Error is not null)
                {
                    writer.WriteString("error", entry.Error);
                }

                if (level < 3)
                {
                    writer.WriteStartArray("files");
                    foreach (var file in entry.Files)
                    {
                        WriteFile(writer, file, level);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("other");
            foreach (var other in level < 4 ? scan.Other : [])
            {
                writer.WriteStartObject();
                writer.WriteString("name", other.Name);
                writer.WriteBoolean("dir", other.Directory);
                writer.WriteNumber("bytes", other.Bytes);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (level > 0)
            {
                writer.WriteString("truncated", step);
            }

            if (keptEntries < scan.Entries.Count)
            {
                writer.WriteNumber("omitted", scan.Entries.Count - keptEntries);
            }
        });
    }

    private static void WriteFile(Utf8JsonWriter writer, ScannedFile file, int level)
    {
        writer.WriteStartObject();
        writer.WriteString("name", file.Name);
        writer.WriteNumber("bytes", file.Bytes);
        if (file.Record is { } record && level < 2)
        {
            Optional(writer, "sha256", record.Sha256);
            Optional(writer, "sha256Check", record.Sha256Check);
            Optional(writer, "fetchedAt", record.FetchedAt);
            Optional(writer, "origin", record.Origin);
            if (level < 1)
            {
                Optional(writer, "source", record.Source);
            }
        }

        writer.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
