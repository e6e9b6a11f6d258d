using System.Text;

namespace LlmKube.Fetcher.CacheAdmin;

/// <summary>
/// The reports of cache-ls and cache-rm (<see cref="CacheListingReport"/>, <see cref="CacheRemovalReport"/>). When a
/// report is longer than the limit, details are dropped in steps — sources, then digests and times, then file lists,
/// then whole entries — and <c>truncated</c> names the step reached.
/// </summary>
internal static class CacheReportWriter
{
    private static readonly string[] ListingSteps = ["", "sources", "details", "files", "entries"];

    public static string Listing(CacheScan scan, int limit)
    {
        foreach (var step in ListingSteps)
        {
            var text = CacheReportJson.Serialize(ListingAt(scan, step, scan.Entries.Count));
            if (Encoding.UTF8.GetByteCount(text) <= limit)
            {
                return text;
            }
        }

        for (var kept = scan.Entries.Count - 1; kept >= 0; kept--)
        {
            var text = CacheReportJson.Serialize(ListingAt(scan, "entries", kept));
            if (Encoding.UTF8.GetByteCount(text) <= limit)
            {
                return text;
            }
        }

        return CacheReportJson.Serialize(ListingAt(scan, "entries", 0));
    }

    public static string Removal(RemovalResult result, int limit)
    {
        foreach (var errorLength in new[] { 300, 80, 0 })
        {
            var text = CacheReportJson.Serialize(new CacheRemovalReport
            {
                Removed = result.Removed.Select(r => new CacheRemovedEntry(r.Key, r.Bytes)).ToList(),
                Absent = result.Absent,
                Failed = result.Failed.Select(f => new CacheRemovalFailure(f.Key,
                    f.Error.Length <= errorLength ? f.Error : f.Error[..errorLength] + (errorLength > 0 ? "…" : "(error text left out)"))).ToList(),
            });
            if (Encoding.UTF8.GetByteCount(text) <= limit)
            {
                return text;
            }
        }

        return CacheReportJson.Serialize(new CacheRemovalReport { Truncated = "everything" });
    }

    private static CacheListingReport ListingAt(CacheScan scan, string step, int keptEntries)
    {
        var level = Array.IndexOf(ListingSteps, step);
        return new CacheListingReport
        {
            Bytes = scan.Bytes,
            Entries = scan.Entries.Take(keptEntries).Select(entry => new CacheEntryReport
            {
                Key = entry.Key,
                Bytes = entry.Bytes,
                FileCount = entry.Files.Count,
                PartialBytes = entry.PartialBytes,
                Busy = entry.Busy,
                Error = entry.Error,
                Files = level < 3 ? entry.Files.Select(file => File(file, level)).ToList() : null,
            }).ToList(),
            Other = level < 4 ? scan.Other.Select(o => new CacheOtherReport { Name = o.Name, Directory = o.Directory, Bytes = o.Bytes }).ToList() : [],
            Truncated = level > 0 ? step : null,
            Omitted = keptEntries < scan.Entries.Count ? scan.Entries.Count - keptEntries : null,
        };
    }

    private static CacheFileReport File(ScannedFile file, int level)
    {
        var record = level < 2 ? file.Record : null;
        return new CacheFileReport
        {
            Name = file.Name,
            Bytes = file.Bytes,
            Sha256 = record?.Sha256,
            Sha256Check = record?.Sha256Check,
            FetchedAt = record?.FetchedAt,
            Origin = record?.Origin,
            Source = level < 1 ? record?.Source : null,
        };
    }
}
