using Serilog.Core;
using Serilog.Events;

namespace DotnetWorkers.Serilog;

/// <summary>
/// Adds the process's place in the cluster to every event: <c>WorkerId</c> (0 for the
/// primary), <c>Role</c> and <c>ProcessId</c>, so the lines of N processes written to one
/// sink can be told apart and filtered. Properties an event already has are kept.
/// </summary>
public sealed class DotnetWorkersEnricher : ILogEventEnricher
{
    /// <summary>The property names, as sinks and queries see them.</summary>
    public const string WorkerIdProperty = "WorkerId";

    /// <inheritdoc cref="WorkerIdProperty"/>
    public const string RoleProperty = "Role";

    /// <inheritdoc cref="WorkerIdProperty"/>
    public const string ProcessIdProperty = "ProcessId";

    // Read once, on the first event (the first use binds the process to the cluster); a
    // process keeps its id, role and pid for life (a reload starts a new process).
    private readonly Lazy<LogEventProperty[]> _properties = new(() =>
    [
        new LogEventProperty(WorkerIdProperty, new ScalarValue(Cluster.WorkerId)),
        new LogEventProperty(RoleProperty, new ScalarValue(Cluster.Role)),
        new LogEventProperty(ProcessIdProperty, new ScalarValue(Cluster.ProcessId)),
    ]);

    /// <inheritdoc />
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        foreach (LogEventProperty property in _properties.Value)
        {
            logEvent.AddPropertyIfAbsent(property);
        }
    }
}
