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

    /// <summary>What the launcher's <c>--data-dir</c> sets in every process.</summary>
    internal const string DataDirectoryVariable = "DOTNET_WORKERS_DATA_DIR";

    /// <summary>What the launcher's <c>--data-sync</c> sets: <c>interval</c> or <c>patch</c>.</summary>
    internal const string DataSyncVariable = "DOTNET_WORKERS_DATA_SYNC";

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
    /// cluster, so a later default is ignored. Each process gets one object per name. A document
    /// kept on disk (<c>--data-dir</c>, or <paramref name="options"/>) that is not yet in the
    /// cluster is restored from there instead: its last complete patch, never a damaged document.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, longer than 100 bytes of UTF-8, or contains ':'.</exception>
    /// <exception cref="SharedMemoryExhaustedException">The region has no room for the document.</exception>
    /// <exception cref="IOException">The data directory cannot be read or written.</exception>
    /// <exception cref="InvalidDataException">The document's snapshot on disk is damaged.</exception>
    public SharedDocument Open(string name, JsonObject? defaultValue = null, SharedDocumentOptions? options = null)
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
                Create(journal, defaultValue, PersistenceFor(options));
            }
        }

        return _open.GetOrAdd(name, document);
    }

    /// <summary>Opens the document <paramref name="name"/>, creating it from the JSON object <paramref name="defaultJson"/> if no process has yet.</summary>
    /// <inheritdoc cref="Open(string, JsonObject?, SharedDocumentOptions?)"/>
    /// <exception cref="JsonException"><paramref name="defaultJson"/> is not JSON.</exception>
    public SharedDocument Open(string name, string defaultJson, SharedDocumentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(defaultJson);
        JsonObject value = JsonNode.Parse(defaultJson) as JsonObject
            ?? throw new ArgumentException("A shared document is a JSON object: the default must be one.", nameof(defaultJson));
        return Open(name, value, options);
    }

    /// <summary>True if a process has created the document <paramref name="name"/>.</summary>
    public bool Exists(string name)
    {
        ValidateName(name);
        return new DocumentJournal(_runtime.Store, name).Head >= 0;
    }

    ISharedDocument ISharedDocuments.Open(string name, JsonObject? defaultValue, SharedDocumentOptions? options) => Open(name, defaultValue, options);

    /// <summary>Creates the document in the region: restored from its copy on disk if it has one, else from the default (the caller holds the lock).</summary>
    private static void Create(DocumentJournal journal, JsonObject? defaultValue, DocumentPersistence? persistence)
    {
        if (persistence is null)
        {
            journal.Create(defaultValue?.DeepClone().AsObject() ?? [], 0, null);
            return;
        }

        using var disk = new DocumentDisk(persistence.Directory, journal.Name, persistence.SyncEveryPatch);
        if (disk.Restore() is { } restored)
        {
            journal.SetDisk(restored.Version, restored.JournalBytes);
            journal.Create(restored.Document, restored.Version, persistence);
            return;
        }

        JsonObject document = defaultValue?.DeepClone().AsObject() ?? [];
        disk.WriteSnapshot(0, document);
        journal.SetDisk(0, DocumentDisk.EmptyJournalBytes);
        journal.Create(document, 0, persistence);
    }

    /// <summary>Where a document created now is kept: its options, then the cluster's <c>--data-dir</c> and <c>--data-sync</c>.</summary>
    private static DocumentPersistence? PersistenceFor(SharedDocumentOptions? options)
    {
        if (options?.InMemory == true)
        {
            return null;
        }

        string? directory = options?.DataDirectory ?? Environment.GetEnvironmentVariable(DataDirectoryVariable);
        if (string.IsNullOrEmpty(directory))
        {
            return null;
        }

        DocumentSync sync = options?.Sync
            ?? (Environment.GetEnvironmentVariable(DataSyncVariable) == "patch" ? DocumentSync.EveryPatch : DocumentSync.Interval);
        return new DocumentPersistence(Path.GetFullPath(directory), sync == DocumentSync.EveryPatch);
    }

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
