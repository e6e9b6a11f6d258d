using System.Text.Json;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class TimestampConverterTests
{
    private static readonly JsonSerializerOptions Options = WithConverter();

    // The two forms the converter reads itself, their edges, and texts it must leave to the client's converter.
    public static TheoryData<string> Texts() =>
    [
        "2026-12-06T08:33:01Z", "2026-12-06T08:33:01.123456Z", "2026-12-06T08:33:01.000000Z", "2024-02-29T23:59:59Z",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1999-01-09T07:05:03.000001Z",
        "2026-12-06T08:33:01.123456789Z", "2026-12-06T08:33:01.1Z", "2026-12-06T08:33:01+02:00", "2026-12-06T08:33:01z",
        "2026-12-06 08:33:01Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-06T24:00:00Z", "2026-12-06T08:60:00Z",
        "2026-12-06T08:33:60Z", "0000-01-01T00:00:00Z", "2026-12-06T08:33:0xZ", "2026-12-06T08:33:01.12345xZ", "2026-12-06",
        "\\u0032026-12-06T08:33:01Z", "",
    ];

    private static JsonSerializerOptions WithConverter()
    {
        var options = new JsonSerializerOptions(KubernetesJsonNodes.Options);
        Assert.True(ClientJsonConverters.TryAdd(options, new TimestampConverter()));
        return options;
    }

    private static string Condition(string time) => "{\"lastTransitionTime\":\"" + time + "\",\"status\":\"True\",\"type\":\"Ready\"}";

    [Theory]
    [MemberData(nameof(Texts))]
    public void Reads_every_text_exactly_as_the_client_does(string text)
    {
        var expected = Record.Exception(() => KubernetesJson.Deserialize<V1Condition>(Condition(text)));
        var actual = Record.Exception(() => JsonSerializer.Deserialize<V1Condition>(Condition(text), Options));
        Assert.Equal(expected?.GetType(), actual?.GetType());
        if (expected is null)
        {
            var client = KubernetesJson.Deserialize<V1Condition>(Condition(text)).LastTransitionTime;
            var ours = JsonSerializer.Deserialize<V1Condition>(Condition(text), Options)!.LastTransitionTime;
            Assert.Equal(client, ours);
            Assert.Equal(client.Kind, ours.Kind);
        }
    }

    public static TheoryData<DateTime> Times() =>
    [
        new(2026, 12, 6, 8, 33, 1, DateTimeKind.Utc),
        new DateTime(2026, 12, 6, 8, 33, 1, DateTimeKind.Utc).AddTicks(1_234_567),
        new DateTime(2026, 12, 6, 8, 33, 1, DateTimeKind.Utc).AddTicks(9), // below a microsecond: the client writes .000000
        new(2026, 12, 6, 8, 33, 1, DateTimeKind.Local),
        new(2026, 12, 6, 8, 33, 1, DateTimeKind.Unspecified),
        new DateTime(2026, 12, 6, 8, 33, 1, DateTimeKind.Local).AddTicks(5_000_000),
        new(999, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        new(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc),
        DateTime.MaxValue.AddDays(-1),
    ];

    [Theory]
    [MemberData(nameof(Times))]
    public void Writes_every_time_exactly_as_the_client_does(DateTime time)
    {
        var condition = new V1Condition { Type = "Ready", Status = "True", LastTransitionTime = time, Message = "m", Reason = "r" };
        Assert.Equal(KubernetesJson.Serialize(condition), JsonSerializer.Serialize(condition, Options));
    }

    [Fact]
    public void The_two_forms_are_read_without_the_client()
    {
        Assert.True(TimestampConverter.TryParse("2026-12-06T08:33:01Z"u8, out var seconds));
        Assert.Equal(new DateTime(2026, 12, 6, 8, 33, 1, DateTimeKind.Utc), seconds);
        Assert.True(TimestampConverter.TryParse("2026-12-06T08:33:01.123456Z"u8, out var micros));
        Assert.Equal(new DateTime(2026, 12, 6, 8, 33, 1, DateTimeKind.Utc).AddTicks(1_234_560), micros);
        Assert.False(TimestampConverter.TryParse("2026-12-06T08:33:01+02:00"u8, out _));

        // And the options these tests compare with the client's do convert through it.
        Assert.IsType<TimestampConverter>(Options.GetConverter(typeof(DateTime)));
    }
}
