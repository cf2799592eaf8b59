using DotnetWorkers;
using DotnetWorkers.Serilog;
using Serilog;
using Serilog.Core;
using Serilog.Events;

/// <summary>Every process logs one event through Serilog with the cluster enricher; a sink prints its properties.</summary>
internal static class SerilogScenario
{
    internal static int Run()
    {
        using Logger logger = new LoggerConfiguration().Enrich.WithDotnetWorkers().WriteTo.Sink(new PropertiesSink()).CreateLogger();
        logger.Information("hello from {Place}", "here");
        logger.ForContext("Role", "overridden").Information("an event's own property wins");
        Program.Say($"serilog-done id={Cluster.WorkerId}");
        Program.Barrier("serilog-done");  // the primary ending would end the others before they log
        return 0;
    }

    private sealed class PropertiesSink : ILogEventSink
    {
        public void Emit(LogEvent logEvent) =>
            Program.Say($"serilog worker={logEvent.Properties["WorkerId"]} role={logEvent.Properties["Role"]} pid={logEvent.Properties["ProcessId"]} message={logEvent.RenderMessage().Replace(' ', '_')}");
    }
}
