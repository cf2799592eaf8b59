using System.Globalization;
using System.Text.Json;

namespace DotnetWorkers.Bench;

/// <summary>
/// The figures of one suite: printed one per line as they are measured, then written as
/// JSON to &lt;out&gt;/&lt;suite&gt;.json.
/// </summary>
internal sealed class BenchReport(string suite, string statistic)
{
    private readonly List<Figure> _figures = [];

    internal sealed record Figure(string Name, double Value, string Unit, string? ComparedTo, double? Ratio);

    /// <summary>Records a figure; with a baseline, also the ratio figure / baseline.</summary>
    internal void Add(string name, double value, string unit, string? comparedTo = null, double? baseline = null)
    {
        double? ratio = baseline is > 0 ? value / baseline : null;
        _figures.Add(new Figure(name, Math.Round(value, 3), unit, comparedTo, ratio is null ? null : Math.Round(ratio.Value, 3)));
        string line = string.Create(CultureInfo.InvariantCulture, $"{name,-44} {value,10:F1} {unit}");
        if (ratio is not null)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"   ({ratio:F2}x {comparedTo})");
        }

        Console.WriteLine(line);
    }

    internal void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, suite + ".json");
        var document = new
        {
            suite,
            date = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            machine = new
            {
                cores = Environment.ProcessorCount,
                os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            },
            statistic,
            figures = _figures,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        }));
        Console.WriteLine($"wrote {path}");
    }
}
