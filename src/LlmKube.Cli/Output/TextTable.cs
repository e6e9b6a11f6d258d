using System.Text;
using Spectre.Console;

namespace LlmKube.Cli.Output;

/// <summary>How a cell should stand out on a colour terminal.</summary>
internal enum Tone
{
    Plain,
    Good,
    Warn,
    Bad,
    Dim,
}

internal readonly record struct Cell(string Text, Tone Tone = Tone.Plain)
{
    public static implicit operator Cell(string? text) => new(text ?? "");
}

/// <summary>
/// A table: a Spectre table with colours on a terminal, otherwise kubectl-style plain columns (upper-case header,
/// three spaces between columns, no trailing spaces) that scripts and tests can read.
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
        if (console.OutputIsTerminal)
        {
            var table = new Table { Border = TableBorder.Simple, ShowRowSeparators = false };
            foreach (var header in headers)
            {
                table.AddColumn(new TableColumn(new Markup($"[bold]{Markup.Escape(header)}[/]")) { NoWrap = false });
            }

            foreach (var row in _rows)
            {
                table.AddRow(row.Select(c => new Markup(Style(c))).ToArray<Spectre.Console.Rendering.IRenderable>());
            }

            console.Ansi().Write(table);
            return;
        }

        await console.Out.WriteAsync(Plain()).ConfigureAwait(false);
    }

    public string Plain()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Text.Length))).ToArray();
        var builder = new StringBuilder();
        AppendLine(builder, headers, widths);
        foreach (var row in _rows)
        {
            AppendLine(builder, row.Select(c => c.Text).ToArray(), widths);
        }

        return builder.ToString();
    }

    private static void AppendLine(StringBuilder builder, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            line.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 3));
        }

        builder.Append(line.ToString().TrimEnd()).Append('\n');
    }

    private static string Style(Cell cell)
    {
        var text = Markup.Escape(cell.Text);
        return cell.Tone switch
        {
            Tone.Good => $"[green]{text}[/]",
            Tone.Warn => $"[yellow]{text}[/]",
            Tone.Bad => $"[red]{text}[/]",
            Tone.Dim => $"[grey]{text}[/]",
            _ => text,
        };
    }
}
