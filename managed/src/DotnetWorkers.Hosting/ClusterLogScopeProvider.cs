using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace DotnetWorkers.Hosting;

/// <summary>
/// The logging scopes of every <c>Microsoft.Extensions.Logging</c> provider (the logger
/// factory takes its scope provider from dependency injection), with this process's place in
/// the cluster as the outermost scope of every message: <c>WorkerId</c>, <c>Role</c>,
/// <c>ProcessId</c>, the names the Serilog enricher uses.
/// </summary>
internal sealed class ClusterLogScopeProvider(IClusterContext cluster) : IExternalScopeProvider
{
    private readonly LoggerExternalScopeProvider _scopes = new();
    private readonly Lazy<ProcessScope> _process = new(() => new ProcessScope(cluster.WorkerId, cluster.Role, cluster.ProcessId));

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
        callback(_process.Value, state);
        _scopes.ForEachScope(callback, state);
    }

    public IDisposable Push(object? state) => _scopes.Push(state);

    /// <summary>Read as a list of properties by structured providers, as a line by text ones.</summary>
    private sealed class ProcessScope(int workerId, string role, int processId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _properties =
        [
            new("WorkerId", workerId),
            new("Role", role),
            new("ProcessId", processId),
        ];

        private readonly string _text = string.Create(CultureInfo.InvariantCulture, $"WorkerId:{workerId} Role:{role} ProcessId:{processId}");

        public int Count => _properties.Length;

        public KeyValuePair<string, object?> this[int index] => _properties[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_properties).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => _text;
    }
}
