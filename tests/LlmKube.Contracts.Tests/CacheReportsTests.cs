namespace LlmKube.Contracts.Tests;

public class CacheReportsTests
{
    [Fact]
    public void A_listing_is_compact_json_without_null_fields_and_reads_back_equal()
    {
        var report = new CacheListingReport
        {
            Bytes = 300,
            Entries =
            [
                new CacheEntryReport
                {
                    Key = "0123456789abcdef", Bytes = 300, FileCount = 1, Busy = true,
                    Files = [new CacheFileReport { Name = "m+ü.gguf", Bytes = 200, Sha256 = "ab" }],
                },
            ],
            Other = [new CacheOtherReport { Name = "lost+found", Directory = true, Bytes = 0 }],
        };

        var text = CacheReportJson.Serialize(report);
        var read = CacheReportJson.ReadListing(text);

        Assert.Equal(
            """{"v":1,"bytes":300,"entries":[{"key":"0123456789abcdef","bytes":300,"fileCount":1,"partialBytes":0,"busy":true,"files":[{"name":"m+ü.gguf","bytes":200,"sha256":"ab"}]}],"other":[{"name":"lost+found","dir":true,"bytes":0}]}""",
            text);
        Assert.Equal(report.Entries[0].Files![0], read.Entries[0].Files![0]);
        Assert.Equal(report.Other[0], read.Other[0]);
    }

    [Fact]
    public void A_removal_report_reads_back()
    {
        var text = CacheReportJson.Serialize(new CacheRemovalReport
        {
            Removed = [new CacheRemovedEntry("0123456789abcdef", 5)],
            Absent = ["fedcba9876543210"],
            Failed = [new CacheRemovalFailure("00000000000000aa", "busy")],
        });

        var read = CacheReportJson.ReadRemoval(text);

        Assert.Equal("""{"v":1,"removed":[{"key":"0123456789abcdef","bytes":5}],"absent":["fedcba9876543210"],"failed":[{"key":"00000000000000aa","error":"busy"}]}""", text);
        Assert.Equal(new CacheRemovedEntry("0123456789abcdef", 5), read.Removed.Single());
        Assert.Equal("fedcba9876543210", read.Absent.Single());
        Assert.Equal(new CacheRemovalFailure("00000000000000aa", "busy"), read.Failed.Single());
    }
}
