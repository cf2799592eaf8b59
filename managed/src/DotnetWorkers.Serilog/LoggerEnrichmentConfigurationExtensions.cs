using Serilog;
using Serilog.Configuration;

namespace DotnetWorkers.Serilog;

/// <summary>Serilog configuration for dotnet-workers clusters.</summary>
public static class LoggerEnrichmentConfigurationExtensions
{
    /// <summary>
    /// Enriches every event with <c>WorkerId</c>, <c>Role</c> and <c>ProcessId</c>
    /// (<see cref="DotnetWorkersEnricher"/>): <c>.Enrich.WithDotnetWorkers()</c>; an output
    /// template shows them as <c>{WorkerId}</c>, <c>{Role}</c>, <c>{ProcessId}</c>.
    /// </summary>
    public static LoggerConfiguration WithDotnetWorkers(this LoggerEnrichmentConfiguration enrich)
    {
        ArgumentNullException.ThrowIfNull(enrich);
        return enrich.With<DotnetWorkersEnricher>();
    }
}
