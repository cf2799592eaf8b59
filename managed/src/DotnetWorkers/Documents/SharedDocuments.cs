using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DotnetWorkers.Documents;

/// <summary>
/// The cluster's shared JSON documents (<c>Cluster.Documents</c>): open one by name, and every
/// process sees the same document.
/// </summary>
public sealed class SharedDocuments : ISharedDocuments
{
    private const int MaxNameBytes = 100;
    private readonly ClusterRuntime _runtime;
    private readonly ConcurrentDictionary<string, SharedDocument> _open = new(StringComparer.Ordinal);

    internal SharedDocuments(ClusterRuntime runtime)
    {
        _runtime = runtime;
    }

    /// <summary>The names of the documents in the cluster.</summary>
    public IReadOnlyList<string> Names => [.. DocumentJournal.Names(_runtime.Store).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Opens the document <paramref name="name"/>, creating it from
    /// <paramref name="defaultValue"/> (default: an empty object) if no process has yet: once per
    /// cluster, so a later default is ignored. Each process gets one object per name.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, longer than 100 bytes of UTF-8, or contains ':'.</exception>
    /// <exception cref="SharedMemoryExhaustedException">The region has no room for the document.</exception>
    public SharedDocument Open(string name, JsonObject? defaultValue = null)
    {
        ValidateName(name);
        if (_open.TryGetValue(name, out SharedDocument? open))
        {
            return open;
        }

        var journal = new DocumentJournal(_runtime.Store, name);
        var document = new SharedDocument(journal, _runtime.Locks.Mutex(journal.LockName), _runtime.Messaging.Events);
        if (journal.Head < 0)
        {
            using Locks.SharedLockLease lease = document.AcquireWriterLock();
            if (journal.Head < 0)
            {
                journal.Create(defaultValue?.DeepClone().AsObject() ?? []);
            }
        }

        return _open.GetOrAdd(name, document);
    }

    /// <summary>Opens the document <paramref name="name"/>, creating it from the JSON object <paramref name="defaultJson"/> if no process has yet.</summary>
    /// <inheritdoc cref="Open(string, JsonObject?)"/>
    /// <exception cref="JsonException"><paramref name="defaultJson"/> is not JSON.</exception>
    public SharedDocument Open(string name, string defaultJson)
    {
        ArgumentNullException.ThrowIfNull(defaultJson);
        JsonObject value = JsonNode.Parse(defaultJson) as JsonObject
            ?? throw new ArgumentException("A shared document is a JSON object: the default must be one.", nameof(defaultJson));
        return Open(name, value);
    }

    /// <summary>True if a process has created the document <paramref name="name"/>.</summary>
    public bool Exists(string name)
    {
        ValidateName(name);
        return new DocumentJournal(_runtime.Store, name).Head >= 0;
    }

    ISharedDocument ISharedDocuments.Open(string name, JsonObject? defaultValue) => Open(name, defaultValue);

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            throw new ArgumentException($"A document name is at most {MaxNameBytes} bytes of UTF-8.", nameof(name));
        }

        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A document name must not contain ':'.", nameof(name));
        }
    }
}
