using System.Collections;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DotnetWorkers.Hosting;

/// <summary>
/// The logging scopes of every <c>Microsoft.Extensions.Logging</c> provider (the logger
/// factory takes its scope provider from dependency injection), with this process's place in
/// the cluster as the outermost scope of every message: <c>WorkerId</c>, <c>Role</c>,
/// <c>ProcessId</c>, the names the Serilog enricher uses.
/// </summary>
/// <remarks>
/// A scope provider from DI replaces the factory's own, which adds the current activity's ids
/// when <see cref="LoggerFactoryOptions.ActivityTrackingOptions"/> asks (the Generic Host's
/// default builder asks for SpanId, TraceId and ParentId): this one adds them too, after the
/// process's scope (TraceState and TraceFlags as well; tags and baggage not).
/// </remarks>
internal sealed class ClusterLogScopeProvider(IClusterContext cluster, IOptions<LoggerFactoryOptions> factoryOptions) : IExternalScopeProvider
{
    private readonly LoggerExternalScopeProvider _scopes = new();
    private readonly ActivityTrackingOptions _tracking = factoryOptions.Value.ActivityTrackingOptions;
    private readonly Lazy<Properties> _process = new(() => new Properties(
    [
        new("WorkerId", cluster.WorkerId),
        new("Role", cluster.Role),
        new("ProcessId", cluster.ProcessId),
    ], " "));

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
        callback(_process.Value, state);
        if (_tracking != ActivityTrackingOptions.None && Activity.Current is { } activity)
        {
            callback(ActivityScope(activity), state);
        }

        _scopes.ForEachScope(callback, state);
    }

    public IDisposable Push(object? state) => _scopes.Push(state);

    private Properties ActivityScope(Activity activity)
    {
        bool w3c = activity.IdFormat == ActivityIdFormat.W3C;
        var properties = new List<KeyValuePair<string, object?>>(5);
        if (_tracking.HasFlag(ActivityTrackingOptions.SpanId))
        {
            properties.Add(new("SpanId", w3c ? activity.SpanId.ToHexString() : activity.Id));
        }

        if (_tracking.HasFlag(ActivityTrackingOptions.TraceId))
        {
            properties.Add(new("TraceId", w3c ? activity.TraceId.ToHexString() : activity.RootId));
        }

        if (_tracking.HasFlag(ActivityTrackingOptions.ParentId))
        {
            properties.Add(new("ParentId", w3c ? activity.ParentSpanId.ToHexString() : activity.ParentId));
        }

        if (_tracking.HasFlag(ActivityTrackingOptions.TraceState))
        {
            properties.Add(new("TraceState", activity.TraceStateString));
        }

        if (_tracking.HasFlag(ActivityTrackingOptions.TraceFlags))
        {
            properties.Add(new("TraceFlags", activity.ActivityTraceFlags));
        }

        return new Properties([.. properties], ", ");
    }

    /// <summary>A scope read as a list of properties by structured providers, as a line ("Name:value") by text ones.</summary>
    private sealed class Properties(KeyValuePair<string, object?>[] properties, string separator) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly string _text = string.Join(separator, properties.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}:{p.Value}")));

        public int Count => properties.Length;

        public KeyValuePair<string, object?> this[int index] => properties[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)properties).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => _text;
    }
}
