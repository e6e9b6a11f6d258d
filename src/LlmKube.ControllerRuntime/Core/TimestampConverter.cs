using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The client's timestamp conversion (<see cref="KubernetesJson.KubernetesDateTimeConverter"/>) for the two forms the
/// API server writes, RFC 3339 in whole seconds (<c>2026-12-06T08:33:01Z</c>) and with microseconds
/// (<c>…01.123456Z</c>), without its culture-aware parser and formatter: about 2 % of the operator's CPU in the
/// 1,000-service benchmark (bench/operator/README.md). Every other text is handed to the client's converter, so
/// what is read and written is exactly what the client reads and writes.
/// </summary>
public sealed class TimestampConverter : JsonConverter<DateTime>
{
    private const int Seconds = 20; // yyyy-MM-ddTHH:mm:ssZ
    private const int Micros = 27; // yyyy-MM-ddTHH:mm:ss.ffffffZ

    private readonly KubernetesJson.KubernetesDateTimeConverter _client = new();

    /// <summary>Makes the client's JSON options (<see cref="KubernetesJson"/>) convert timestamps through this converter; false when they are already in use or do.</summary>
    public static bool TryInstall() => ClientJsonConverters.TryInstall(new TimestampConverter());

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped && TryParse(reader.ValueSpan, out var value)
            ? value
            : _client.Read(ref reader, typeToConvert, options);

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        // As the client: through DateTimeOffset (a local or unspecified time is taken as local), then in UTC.
        var utc = ((DateTimeOffset)value).UtcDateTime;
        var fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        Span<byte> text = stackalloc byte[Micros];
        var length = Format(utc, fraction / 10, fraction != 0, text);
        writer.WriteStringValue(text[..length]);
    }

    /// <summary>Reads exactly the two forms; anything else (other lengths, offsets, nanoseconds, bad digits) is false.</summary>
    internal static bool TryParse(ReadOnlySpan<byte> text, out DateTime value)
    {
        value = default;
        if (text.Length is not (Seconds or Micros) || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':'
            || text[16] != ':' || text[^1] != 'Z' || (text.Length == Micros && text[19] != '.'))
        {
            return false;
        }

        if (!Digits(text[..4], out var year) || !Digits(text.Slice(5, 2), out var month) || !Digits(text.Slice(8, 2), out var day)
            || !Digits(text.Slice(11, 2), out var hour) || !Digits(text.Slice(14, 2), out var minute) || !Digits(text.Slice(17, 2), out var second))
        {
            return false;
        }

        var micros = 0;
        if (text.Length == Micros && !Digits(text.Slice(20, 6), out micros))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(micros * 10L);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    private static int Format(DateTime utc, long micros, bool withFraction, Span<byte> text)
    {
        Two(utc.Year / 100, text);
        Two(utc.Year % 100, text[2..]);
        text[4] = (byte)'-';
        Two(utc.Month, text[5..]);
        text[7] = (byte)'-';
        Two(utc.Day, text[8..]);
        text[10] = (byte)'T';
        Two(utc.Hour, text[11..]);
        text[13] = (byte)':';
        Two(utc.Minute, text[14..]);
        text[16] = (byte)':';
        Two(utc.Second, text[17..]);
        if (!withFraction)
        {
            text[19] = (byte)'Z';
            return Seconds;
        }

        text[19] = (byte)'.';
        Utf8Formatter.TryFormat(micros, text.Slice(20, 6), out _, new System.Buffers.StandardFormat('D', 6));
        text[26] = (byte)'Z';
        return Micros;
    }

    private static void Two(int value, Span<byte> text)
    {
        text[0] = (byte)('0' + (value / 10));
        text[1] = (byte)('0' + (value % 10));
    }
}
