using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using DotnetWorkers.Events;
using DotnetWorkers.Locks;

namespace DotnetWorkers.Documents;

/// <summary>
/// A named JSON document every process of the cluster sees (<c>Cluster.Documents.Open</c>),
/// patched with MongoDB update documents applied atomically across the cluster. Each patch
/// that changes something raises <see cref="Version"/> by one.
/// </summary>
/// <remarks>
/// <para>The document lives in the shared region as a snapshot and a journal of the patches
/// since (docs/protocol.md), for as long as the cluster does, whether or not any process holds
/// it open. Each process keeps its own parsed copy and brings it up to date from the journal
/// when it reads, so a read costs what reading a <see cref="JsonNode"/> costs once the copy is
/// current, and a patch costs applying it plus writing the update (not the document) to the
/// region.</para>
/// <para>A patch is whole or absent: it is checked and worked out before anything changes
/// (<see cref="DocumentUpdate"/>), and it is committed by one atomic write. A writer killed
/// mid-patch leaves the document at the version before it, and the next writer goes on.</para>
/// <para>Thread-safe. Reads return copies: changing them does not change the document.</para>
/// </remarks>
public sealed class SharedDocument : ISharedDocument
{
    private const int DefaultBufferSize = 1024;

    private readonly DocumentJournal _journal;
    private readonly SharedMutex _mutex;
    private readonly SharedEvents _events;
    private readonly Lock _gate = new();
    private readonly List<DocumentObserver> _observers = [];
    private readonly string _topic;
    private JsonObject? _copy;
    private long _version = -1;

    // The last version offered to the observers: a copy reloaded after a failed commit
    // replays versions they already have, which must not reach them twice.
    private long _dispatched = -1;
    private DocumentFollower? _follower;
    private DocumentDisk? _disk;
    private bool _diskKnown;

    internal SharedDocument(DocumentJournal journal, SharedMutex mutex, SharedEvents events)
    {
        _journal = journal;
        _mutex = mutex;
        _events = events;
        _topic = journal.LockName;
    }

    /// <summary>The document's name.</summary>
    public string Name => _journal.Name;

    /// <summary>The version of the last patch committed by any process (0: as created).</summary>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                CatchUp();
                return _version;
            }
        }
    }

    /// <summary>A copy of the whole document as of the latest version, with that version.</summary>
    public (JsonObject Document, long Version) Read()
    {
        lock (_gate)
        {
            CatchUp();
            return (_copy!.DeepClone().AsObject(), _version);
        }
    }

    /// <summary>
    /// A copy of the value at a dotted path (<c>"orders.3.total"</c>: numbers index arrays), or
    /// false if nothing is there.
    /// </summary>
    /// <exception cref="ArgumentException">The path is null or has an empty step.</exception>
    public bool TryGet(string path, out JsonNode? value)
    {
        ValidatePath(path);
        lock (_gate)
        {
            CatchUp();
            if (!TryFind(_copy!, path, out JsonNode? found))
            {
                value = null;
                return false;
            }

            value = found?.DeepClone();
            return true;
        }
    }

    /// <summary>A copy of the value at a dotted path; null if it is a JSON null.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is at the path.</exception>
    public JsonNode? Get(string path) =>
        TryGet(path, out JsonNode? value) ? value : throw new KeyNotFoundException($"The shared document '{Name}' has nothing at '{path}'.");

    /// <summary>The value at a dotted path, read as <typeparamref name="T"/> with System.Text.Json's source-generated metadata (trim and AOT safe).</summary>
    /// <exception cref="KeyNotFoundException">Nothing is at the path.</exception>
    /// <exception cref="SharedTypeMismatchException">The value there cannot be read as <typeparamref name="T"/>.</exception>
    public T? Get<T>(string path, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        JsonNode? node = Get(path);
        try
        {
            return node.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            throw Mismatch<T>(path, node, e);
        }
        catch (InvalidOperationException e)
        {
            throw Mismatch<T>(path, node, e);
        }
    }

    /// <summary>The value at a dotted path, read as <typeparamref name="T"/> by System.Text.Json (reflection; for AOT use the <see cref="JsonTypeInfo{T}"/> overload).</summary>
    /// <exception cref="KeyNotFoundException">Nothing is at the path.</exception>
    /// <exception cref="SharedTypeMismatchException">The value there cannot be read as <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("System.Text.Json reflection; use the JsonTypeInfo overload when trimming.")]
    [RequiresDynamicCode("System.Text.Json reflection; use the JsonTypeInfo overload under NativeAOT.")]
    public T? Get<T>(string path, JsonSerializerOptions? options = null)
    {
        JsonNode? node = Get(path);
        try
        {
            return node.Deserialize<T>(options);
        }
        catch (JsonException e)
        {
            throw Mismatch<T>(path, node, e);
        }
        catch (InvalidOperationException e)
        {
            throw Mismatch<T>(path, node, e);
        }
    }

    /// <summary>Applies a MongoDB update document (JSON) across the cluster.</summary>
    /// <param name="update">The update, such as <c>{"$inc": {"hits": 1}}</c>.</param>
    /// <param name="arrayFilters">A JSON array of filter documents for <c>$[id]</c> steps, as MongoDB's <c>arrayFilters</c>.</param>
    /// <returns>The document's version after the patch (unchanged if the update changed nothing).</returns>
    /// <exception cref="DocumentUpdateException">The update is invalid, or does not fit the document; nothing was applied.</exception>
    public long Patch(string update, string? arrayFilters = null) => Patch(DocumentUpdate.Parse(update, arrayFilters));

    /// <summary>Applies a MongoDB update document across the cluster.</summary>
    /// <inheritdoc cref="Patch(string, string?)"/>
    public long Patch(JsonObject update, IEnumerable<JsonObject>? arrayFilters = null) => Patch(DocumentUpdate.From(update, arrayFilters));

    /// <summary>Applies a parsed update (<see cref="DocumentUpdate"/>, or one built with <see cref="Update"/>) across the cluster.</summary>
    /// <inheritdoc cref="Patch(string, string?)"/>
    public long Patch(DocumentUpdate update) => Apply(update, ifVersion: null);

    /// <summary>
    /// Applies <paramref name="update"/> only if the document is still at
    /// <paramref name="ifVersion"/>: for callers that read, decide, then write.
    /// </summary>
    /// <returns>The version after the patch.</returns>
    /// <exception cref="DocumentVersionMismatchException">Another process patched the document since <paramref name="ifVersion"/>; nothing was applied.</exception>
    /// <exception cref="DocumentUpdateException">The update is invalid, or does not fit the document; nothing was applied.</exception>
    public long Patch(DocumentUpdate update, long ifVersion) => Apply(update, ifVersion);

    /// <summary>
    /// Applies a MongoDB update document (JSON) across the cluster, waiting for the writers'
    /// lock without blocking a thread (while another process patches the same document).
    /// </summary>
    /// <inheritdoc cref="Patch(string, string?)"/>
    /// <param name="update">The update, such as <c>{"$inc": {"hits": 1}}</c>.</param>
    /// <param name="arrayFilters">A JSON array of filter documents for <c>$[id]</c> steps, as MongoDB's <c>arrayFilters</c>.</param>
    /// <param name="cancellationToken">Gives up waiting for the lock; once the lock is held the patch is applied whole.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the patch was applied; nothing was.</exception>
    public ValueTask<long> PatchAsync(string update, string? arrayFilters = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(DocumentUpdate.Parse(update, arrayFilters), ifVersion: null, cancellationToken);

    /// <summary>Applies a MongoDB update document across the cluster, waiting for the writers' lock without blocking a thread.</summary>
    /// <inheritdoc cref="PatchAsync(string, string?, CancellationToken)"/>
    public ValueTask<long> PatchAsync(JsonObject update, IEnumerable<JsonObject>? arrayFilters = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(DocumentUpdate.From(update, arrayFilters), ifVersion: null, cancellationToken);

    /// <summary>Applies a parsed update across the cluster, waiting for the writers' lock without blocking a thread.</summary>
    /// <inheritdoc cref="PatchAsync(string, string?, CancellationToken)"/>
    public ValueTask<long> PatchAsync(DocumentUpdate update, CancellationToken cancellationToken = default) =>
        ApplyAsync(update, ifVersion: null, cancellationToken);

    /// <summary>Applies <paramref name="update"/> only if the document is still at <paramref name="ifVersion"/>, waiting for the writers' lock without blocking a thread.</summary>
    /// <inheritdoc cref="Patch(DocumentUpdate, long)"/>
    /// <param name="update">The update.</param>
    /// <param name="ifVersion">The version the caller read.</param>
    /// <param name="cancellationToken">Gives up waiting for the lock; once the lock is held the patch is applied whole.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the patch was applied; nothing was.</exception>
    public ValueTask<long> PatchAsync(DocumentUpdate update, long ifVersion, CancellationToken cancellationToken = default) =>
        ApplyAsync(update, ifVersion, cancellationToken);

    /// <summary>
    /// The changes under a dotted path ("" for the whole document), as they are committed by
    /// any process: a snapshot of the value first, then each patch that touches the path, in
    /// version order. A slow reader never holds writers up: past 1024 unread changes (the
    /// other overload chooses) it gets a snapshot marked <see cref="DocumentChange.Missed"/>
    /// instead of the ones it lost.
    /// </summary>
    /// <exception cref="ArgumentException">The path has an empty step.</exception>
    public IAsyncEnumerable<DocumentChange> Observe(string path = "", CancellationToken cancellationToken = default) =>
        Observe(path, DefaultBufferSize, cancellationToken);

    /// <summary>
    /// The changes under a dotted path, as <see cref="Observe(string, CancellationToken)"/>
    /// yields them; past <paramref name="bufferSize"/> unread changes the reader gets a
    /// snapshot marked <see cref="DocumentChange.Missed"/> instead of the ones it lost.
    /// </summary>
    /// <param name="path">The dotted path observed ("" for the whole document).</param>
    /// <param name="bufferSize">How many changes may wait unread.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    public IAsyncEnumerable<DocumentChange> Observe(string path, int bufferSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length > 0)
        {
            ValidatePath(path);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        return Follow(path, bufferSize, registered: null, cancellationToken);
    }

    private async IAsyncEnumerable<DocumentChange> Follow(string path, int bufferSize, (DocumentObserver Observer, DocumentChange First)? registered,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        (DocumentObserver observer, DocumentChange first) = registered ?? Register(path, bufferSize);
        try
        {
            await foreach (DocumentChange change in observer.ReadAllAsync(first, Resnapshot, cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            DocumentFollower? stopping = null;
            lock (_gate)
            {
                _observers.Remove(observer);
                if (_observers.Count == 0)
                {
                    (stopping, _follower) = (_follower, null);
                }
            }

            stopping?.Dispose();
        }
    }

    /// <summary>Adds an observer and takes its first snapshot, at one version (so it misses nothing and sees nothing twice).</summary>
    private (DocumentObserver Observer, DocumentChange First) Register(string path, int bufferSize)
    {
        var observer = new DocumentObserver(path, bufferSize);
        lock (_gate)
        {
            CatchUp();
            _dispatched = Math.Max(_dispatched, _version);
            DocumentChange first = Snapshot(observer, missed: false);
            _observers.Add(observer);
            _follower ??= new DocumentFollower(this, _events, _topic);
            return (observer, first);
        }
    }

    /// <summary>Calls <paramref name="handler"/> for each change under <paramref name="path"/>, as <see cref="Observe(string, CancellationToken)"/> yields them, until disposed.</summary>
    /// <returns>Disposing it stops the observer. An exception the handler throws stops it too.</returns>
    public IDisposable Observe(string path, Func<DocumentChange, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length > 0)
        {
            ValidatePath(path);
        }

        // Registered now, not when the loop below first asks: a patch made after this returns is seen.
        (DocumentObserver, DocumentChange) registered = Register(path, DefaultBufferSize);
        var stop = new CancellationTokenSource();
        IAsyncEnumerable<DocumentChange> changes = Follow(path, DefaultBufferSize, registered, stop.Token);
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (DocumentChange change in changes.ConfigureAwait(false))
                {
                    await handler(change).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
        return new CallbackObservation(stop);
    }

    /// <summary>Brings this process's copy up to date (the follower calls it when another process committed).</summary>
    internal void Refresh()
    {
        lock (_gate)
        {
            CatchUp();
        }
    }

    /// <summary>Ends every observer with <paramref name="error"/>: this process can no longer follow the document (its region is gone, or a patch would not replay).</summary>
    internal void FailObservers(Exception error)
    {
        lock (_gate)
        {
            foreach (DocumentObserver observer in _observers)
            {
                observer.Fail(error);
            }
        }
    }

    /// <summary>The value at a dotted path of <paramref name="document"/>, or null.</summary>
    internal static JsonNode? Find(JsonObject document, string path) => TryFind(document, path, out JsonNode? value) ? value : null;

    private static bool TryFind(JsonObject document, string path, out JsonNode? value)
    {
        value = document;
        if (path.Length == 0)
        {
            return true;
        }

        foreach (string step in path.Split('.'))
        {
            switch (value)
            {
                case JsonObject o when o.TryGetPropertyValue(step, out JsonNode? child):
                    value = child;
                    break;
                case JsonArray a when new PathSegment(step, PathSegmentKind.Field).ArrayIndex is int i && i >= 0 && i < a.Count:
                    value = a[i];
                    break;
                default:
                    value = null;
                    return false;
            }
        }

        return true;
    }

    private long Apply(DocumentUpdate update, long? ifVersion)
    {
        ArgumentNullException.ThrowIfNull(update);
        Committed committed;
        using (AcquireWriterLock())
        {
            committed = ApplyHoldingLock(update, ifVersion);
        }

        return Finish(committed);
    }

    private async ValueTask<long> ApplyAsync(DocumentUpdate update, long? ifVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        Committed committed;
        using (await AcquireWriterLockAsync(cancellationToken).ConfigureAwait(false))
        {
            // Checked again with the lock held: a caller that gave up while waiting must not find its patch applied.
            cancellationToken.ThrowIfCancellationRequested();
            committed = ApplyHoldingLock(update, ifVersion);
        }

        return Finish(committed);
    }

    /// <summary>What a patch did under the writers' lock, for what follows once it is released.</summary>
    private readonly record struct Committed(long Version, bool Changed, IOException? Unwritten);

    private Committed ApplyHoldingLock(DocumentUpdate update, long? ifVersion)
    {
        lock (_gate)
        {
            DocumentHead head = CatchUp();
            if (ifVersion is long expected && expected != _version)
            {
                throw new DocumentVersionMismatchException(Name, expected, _version);
            }

            // To the millisecond: what the journal records, so every process's replay writes the same $currentDate.
            var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            IReadOnlyList<JsonPatchOperation> changes = update.ApplyTo(_copy!, now);
            if (changes.Count == 0)
            {
                return new Committed(_version, Changed: false, Unwritten: null);
            }

            bool compact;
            try
            {
                (head, compact) = _journal.Commit(head, new DocumentPatchRecord(update.UpdateJson, update.ArrayFiltersText, now.ToUnixTimeMilliseconds()));
            }
            catch
            {
                // The copy has the patch and the region does not: read it afresh next time.
                _copy = null;
                _version = -1;
                throw;
            }

            long version = ++_version;
            Dispatch(version, update.Operators, changes);
            IOException? unwritten = Persist(version);
            if (compact)
            {
                Compact(head);
            }

            return new Committed(version, Changed: true, unwritten);
        }
    }

    private long Finish(Committed committed)
    {
        if (committed.Changed)
        {
            Notify(committed.Version);
        }

        return committed.Unwritten is { } unwritten ? throw unwritten : committed.Version;
    }

    /// <summary>
    /// Appends to the journal on disk every committed patch it lacks, up to <paramref name="version"/>
    /// (a writer that died after its commit left its patch to the next one). Under the lock.
    /// </summary>
    /// <returns>Null, or why the patch is committed in the cluster but not on disk (the next patch tries again).</returns>
    private IOException? Persist(long version)
    {
        if (Disk is not { } disk)
        {
            return null;
        }

        try
        {
            (long written, long bytes) = _journal.Disk;
            if (written >= version)
            {
                return null;
            }

            var records = new List<(long, byte[])>((int)Math.Min(version - written, 64));
            for (long v = written + 1; v <= version && written >= 0; v++)
            {
                if (!_journal.TryReadPatchBytes(v, out byte[]? record))
                {
                    written = -1;  // compacted away since: the snapshot replaces what is missing
                    break;
                }

                records.Add((v, record));
            }

            long end = written < 0 ? -1 : disk.Append(bytes, records);
            if (end < 0)
            {
                WriteDiskSnapshot(disk, version);
            }
            else
            {
                _journal.SetDisk(version, end);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new IOException($"Patch {version} of the shared document '{Name}' is applied in the cluster but could not be written to {disk.Directory} (the next patch tries again): {e.Message}", e);
        }
    }

    /// <summary>Replaces the files with a snapshot of the copy at <paramref name="version"/> (under the lock).</summary>
    private void WriteDiskSnapshot(DocumentDisk disk, long version)
    {
        // Said first: a writer that dies once the journal is emptied must not leave the next one
        // appending where the old journal ended (past the end of the new one).
        _journal.SetDisk(-1, 0);
        disk.WriteSnapshot(version, _copy!);
        _journal.SetDisk(version, DocumentDisk.EmptyJournalBytes);
    }

    /// <summary>The document's files, if it is kept on disk (as its creator chose, read once).</summary>
    private DocumentDisk? Disk
    {
        get
        {
            if (!_diskKnown)
            {
                _disk = _journal.Persistence is { } p ? new DocumentDisk(p.Directory, Name, p.SyncEveryPatch) : null;
                _diskKnown = true;
            }

            return _disk;
        }
    }

    private void Compact(DocumentHead head)
    {
        try
        {
            _journal.Compact(head, _copy!);
            if (Disk is { } disk && _journal.Disk.Version == head.Version)
            {
                WriteDiskSnapshot(disk, head.Version);
            }
        }
        catch (Exception e) when (e is DotnetWorkersException or ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The patch is committed, and a failed compaction loses nothing (a snapshot is
            // replaced whole, patches are removed after it; on disk, the journal is emptied
            // only after the new snapshot is in place): the journal stays longer, and the
            // next patch tries again.
        }
    }

    /// <summary>The writers' lock of this document, also taken to create it.</summary>
    internal SharedLockLease AcquireWriterLock()
    {
        try
        {
            return _mutex.Acquire();
        }
        catch (SharedLockAbandonedException e)
        {
            // A writer died holding it: nothing to repair, as a patch is committed by one
            // write of the head; what it wrote past the head is overwritten by the next.
            return e.Lease;
        }
    }

    /// <summary><see cref="AcquireWriterLock"/> without blocking a thread while another process writes.</summary>
    private async ValueTask<SharedLockLease> AcquireWriterLockAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _mutex.AcquireAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (SharedLockAbandonedException e)
        {
            return e.Lease;  // as in AcquireWriterLock
        }
    }

    private void Notify(long version)
    {
        ValueTask<int> sent;
        try
        {
            sent = _events.PublishAsync(_topic, version);
        }
        catch (Exception e) when (e is DotnetWorkersException or ObjectDisposedException or InvalidOperationException)
        {
            // The patch is committed: observers elsewhere see it at their next look.
            return;
        }

        if (!sent.IsCompleted)
        {
            // An observer's inbox is full: it will catch up at its next poll; the writer does not wait.
            _ = sent.AsTask().ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        else if (sent.IsFaulted)
        {
            _ = sent.AsTask().Exception;
        }
    }

    /// <summary>Brings the copy to the head: the patches after it, or the snapshot if they were compacted away (under <see cref="_gate"/>).</summary>
    /// <returns>The head it read (current, for a caller that holds the writers' lock).</returns>
    private DocumentHead CatchUp()
    {
        DocumentHead current = _journal.ReadHead()
            ?? throw new InvalidOperationException($"The shared document '{Name}' does not exist in this cluster.");
        long head = current.Version;
        if (_copy is null || head < _version)
        {
            LoadSnapshot(resync: _dispatched >= 0);
        }

        while (_version < head)
        {
            if (!_journal.TryReadPatch(_version + 1, out DocumentUpdate? update, out DateTimeOffset appliedAt))
            {
                LoadSnapshot(resync: true);
                continue;
            }

            IReadOnlyList<JsonPatchOperation> changes = update.ApplyTo(_copy!, appliedAt);
            _version++;
            Dispatch(_version, update.Operators, changes);
        }

        return current;
    }

    private void LoadSnapshot(bool resync)
    {
        (long version, JsonObject document) = _journal.ReadSnapshot();
        if (version <= _version && _copy is not null)
        {
            throw new InvalidOperationException($"The journal of the shared document '{Name}' lacks patch {_version + 1} and its snapshot is at {version}.");
        }

        _copy = document;
        _version = version;
        if (resync && version > _dispatched)
        {
            // Patches the observers never got are folded into this snapshot.
            foreach (DocumentObserver observer in _observers)
            {
                observer.Resync();
            }

            _dispatched = version;
        }
    }

    private void Dispatch(long version, IReadOnlyList<string> operators, IReadOnlyList<JsonPatchOperation> changes)
    {
        if (version <= _dispatched)
        {
            return;
        }

        _dispatched = version;
        foreach (DocumentObserver observer in _observers)
        {
            observer.Offer(Name, version, operators, changes);
        }
    }

    private DocumentChange Resnapshot(DocumentObserver observer)
    {
        lock (_gate)
        {
            CatchUp();
            observer.Resynchronized();
            return Snapshot(observer, missed: true);
        }
    }

    private DocumentChange Snapshot(DocumentObserver observer, bool missed) =>
        new(Name, _version, DocumentChangeKind.Snapshot, [], [], observer.Select(_copy!), missed);

    private static void ValidatePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length > 0 && path.Split('.').Any(s => s.Length == 0))
        {
            throw new ArgumentException($"The path '{path}' has an empty step.", nameof(path));
        }
    }

    private SharedTypeMismatchException Mismatch<T>(string path, JsonNode? node, Exception inner) =>
        new($"The value at '{path}' of the shared document '{Name}' is {JsonTypeName.Of(node)} and cannot be read as {typeof(T)}: {inner.Message}", typeof(T), JsonTypeName.Of(node));

    private sealed class CallbackObservation(CancellationTokenSource stop) : IDisposable
    {
        // Cancelled, not disposed: the loop may still be registering on its token.
        public void Dispose() => stop.Cancel();
    }
}
