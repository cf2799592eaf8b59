using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DotnetWorkers.Cli;

/// <summary>Tables for people, JSON for scripts (--json): the same rows either way.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    internal static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <summary>Columns padded to their widest cell, two spaces apart; the header first.</summary>
    internal static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        List<IReadOnlyList<string>> all = [header, .. rows];
        int[] widths = [.. Enumerable.Range(0, header.Count).Select(c => all.Max(r => r[c].Length))];
        var text = new StringBuilder();
        foreach (IReadOnlyList<string> row in all)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == row.Count - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        return text.ToString();
    }

    internal static string Duration(TimeSpan span) => span.TotalSeconds < 60
        ? $"{(int)span.TotalSeconds}s"
        : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m{span.Seconds}s"
        : span.TotalHours < 24 ? $"{(int)span.TotalHours}h{span.Minutes}m"
        : $"{(int)span.TotalDays}d{span.Hours}h";

    internal static string Bytes(long? bytes) => bytes switch
    {
        null => "-",
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F2} GiB"),
    };

    /// <summary>What `ps` shows as a process's status: running ones are idle or busy, as pm2 lists them.</summary>
    internal static string Status(WorkerInfo w) => DotnetWorkers.Supervision.ProcessReport.StatusOf(w);
}
