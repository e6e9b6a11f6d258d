using System.Text;

namespace LlmKube.Cli.Output;

/// <summary>How a cell should stand out on a colour terminal.</summary>
internal enum Tone
{
    Plain,
    Good,
    Warn,
    Bad,
    Dim,
    Header,
}

internal readonly record struct Cell(string Text, Tone Tone = Tone.Plain)
{
    public static implicit operator Cell(string? text) => new(text ?? "");
}

/// <summary>
/// A table in kubectl's layout (upper-case header, three spaces between columns, no trailing spaces, nothing
/// wrapped, so cache keys and endpoints stay whole and scripts can read it). On a colour terminal the header is bold
/// and phases and statuses are coloured; otherwise it is plain text.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<Cell[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params Cell[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        }

        _rows.Add(cells);
    }

    public async Task WriteAsync(CliConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        await console.Out.WriteAsync(Render(console.Colour)).ConfigureAwait(false);
    }

    public string Plain() => Render(colour: false);

    private string Render(bool colour)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Text.Length))).ToArray();
        var builder = new StringBuilder();
        AppendLine(builder, headers.Select(h => new Cell(h, colour ? Tone.Header : Tone.Plain)).ToArray(), widths, colour);
        foreach (var row in _rows)
        {
            AppendLine(builder, row, widths, colour);
        }

        return builder.ToString();
    }

    private static void AppendLine(StringBuilder builder, Cell[] cells, int[] widths, bool colour)
    {
        var line = new StringBuilder();
        var last = Array.FindLastIndex(cells, c => c.Text.Length > 0);
        for (var i = 0; i <= last; i++)
        {
            var text = colour ? Colour(cells[i]) : cells[i].Text;
            line.Append(text);
            if (i < last)
            {
                line.Append(' ', widths[i] - cells[i].Text.Length + 3);
            }
        }

        builder.Append(line).Append('\n');
    }

    private static string Colour(Cell cell) => cell.Tone switch
    {
        Tone.Header => $"\u001b[1m{cell.Text}\u001b[0m",
        Tone.Good => $"\u001b[32m{cell.Text}\u001b[0m",
        Tone.Warn => $"\u001b[33m{cell.Text}\u001b[0m",
        Tone.Bad => $"\u001b[31m{cell.Text}\u001b[0m",
        Tone.Dim => $"\u001b[90m{cell.Text}\u001b[0m",
        _ => cell.Text,
    };
}
