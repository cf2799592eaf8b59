using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using DotnetWorkers.Store;

namespace DotnetWorkers.Documents;

/// <summary>
/// Where a shared document lives in the region: entries of the shared store, so the store's
/// atomic writes and its repair of a writer that died mid-write hold for documents too
/// (docs/protocol.md, "Shared documents"):
/// <list type="bullet">
/// <item><c>dw.doc:NAME:head</c>, a long: the version of the last committed patch. Writing it is the commit.</item>
/// <item><c>dw.doc:NAME:snapshot</c>, bytes: the version (8 bytes, little-endian), then the document at that version as UTF-8 JSON.</item>
/// <item><c>dw.doc:NAME:patch:V</c>, bytes: patch V as UTF-8 JSON, <c>{"u": update, "f": arrayFilters, "t": unix ms}</c>, for every V after the snapshot's version up to the head.</item>
/// <item><c>dw.doc:NAME:base</c>, a long: the snapshot's version, and <c>dw.doc:NAME:snapshot-bytes</c> its size;
/// <c>dw.doc:NAME:journal-bytes</c>, the bytes of the patches since: so a writer knows when to compact without reading the snapshot.</item>
/// <item><c>dw.doc:NAME:trimmed</c>, a long: the patches up to it are removed. A compaction keeps the
/// last <see cref="Retained"/> patches the snapshot covers, so a process that lags behind by fewer
/// replays them (its observers miss nothing) instead of reloading the snapshot.</item>
/// <item><c>dw.doc:NAME:persistence</c>, a <see cref="DocumentPersistence"/>: where the document is kept on disk, if it is;
/// <c>dw.doc:NAME:disk-version</c> and <c>dw.doc:NAME:disk-bytes</c>, longs: the last patch the journal on disk holds and where it ends.</item>
/// </list>
/// Writers hold the cluster mutex <c>dw.doc:NAME</c>; readers take no lock.
/// </summary>
internal sealed class DocumentJournal
{
    /// <summary>How many patches a compaction keeps behind its snapshot.</summary>
    internal const int Retained = 1024;

    /// <summary>The fewest patches between two snapshots.</summary>
    internal const int MinPatchesPerSnapshot = 256;

    private const string Prefix = "dw.doc:";
    private readonly SharedStore _store;
    private readonly string _head;
    private readonly string _snapshot;
    private readonly string _base;
    private readonly string _trimmed;
    private readonly string _snapshotBytes;
    private readonly string _journalBytes;
    private readonly string _patchPrefix;
    private readonly string _persistence;
    private readonly string _diskVersion;
    private readonly string _diskBytes;

    public DocumentJournal(SharedStore store, string name)
    {
        _store = store;
        Name = name;
        LockName = Prefix + name;
        _head = $"{Prefix}{name}:head";
        _snapshot = $"{Prefix}{name}:snapshot";
        _base = $"{Prefix}{name}:base";
        _trimmed = $"{Prefix}{name}:trimmed";
        _snapshotBytes = $"{Prefix}{name}:snapshot-bytes";
        _journalBytes = $"{Prefix}{name}:journal-bytes";
        _patchPrefix = $"{Prefix}{name}:patch:";
        _persistence = $"{Prefix}{name}:persistence";
        _diskVersion = $"{Prefix}{name}:disk-version";
        _diskBytes = $"{Prefix}{name}:disk-bytes";
    }

    public string Name { get; }

    public string LockName { get; }

    /// <summary>The head key of every document: how <see cref="Names"/> finds them.</summary>
    public static IEnumerable<string> Names(SharedStore store) =>
        store.Keys(Prefix).Where(k => k.EndsWith(":head", StringComparison.Ordinal)).Select(k => k[Prefix.Length..^":head".Length]);

    /// <summary>The committed version, or -1 if the document does not exist.</summary>
    public long Head => _store.TryGet(_head, out long head) ? head : -1;

    public long SnapshotVersion => _store.TryGet(_base, out long version) ? version : 0;

    /// <summary>The snapshot: its version and its document.</summary>
    public (long Version, JsonObject Document) ReadSnapshot()
    {
        byte[] bytes = _store.Get<DocumentBytes>(_snapshot).Bytes;
        long version = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        return (version, JsonNode.Parse(bytes.AsSpan(8))!.AsObject());
    }

    /// <summary>Patch <paramref name="version"/>, parsed once into its update and the time it was applied at; false if compaction has removed it (read the snapshot instead).</summary>
    public bool TryReadPatch(long version, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DocumentUpdate? update, out DateTimeOffset appliedAt)
    {
        if (!TryReadPatchBytes(version, out byte[]? bytes))
        {
            update = null;
            appliedAt = default;
            return false;
        }

        DocumentPatchRecord.Parse(bytes, out update, out appliedAt);
        return true;
    }

    /// <summary>Patch <paramref name="version"/>'s record as written (what the journal on disk appends); false if compaction has removed it.</summary>
    public bool TryReadPatchBytes(long version, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = _store.TryGet(PatchKey(version), out DocumentBytes? record) ? record!.Bytes : null;
        return bytes is not null;
    }

    /// <summary>Where the document is kept on disk, as the process that created it chose; null if only in the region.</summary>
    public DocumentPersistence? Persistence => _store.TryGet(_persistence, out DocumentPersistence? persistence) ? persistence : null;

    /// <summary>The last version the journal on disk holds, and the journal's length after it (the caller holds the lock).</summary>
    public (long Version, long Bytes) Disk => (_store.TryGet(_diskVersion, out long version) ? version : -1, _store.TryGet(_diskBytes, out long bytes) ? bytes : 0);

    /// <summary>Records that the journal on disk holds every patch up to <paramref name="version"/> and is <paramref name="bytes"/> long.</summary>
    public void SetDisk(long version, long bytes)
    {
        _store.Set(_diskBytes, bytes);
        _store.Set(_diskVersion, version);
    }

    /// <summary>Creates the document at <paramref name="version"/> (0, or where its copy on disk was) with its persistence (the caller holds the lock and saw no head).</summary>
    public void Create(JsonObject document, long version, DocumentPersistence? persistence)
    {
        _store.Set(_snapshotBytes, WriteSnapshot(version, document));
        _store.Set(_base, version);
        _store.Set(_trimmed, version);
        if (persistence is not null)
        {
            _store.Set(_persistence, persistence);
        }

        _store.Set(_head, version);
    }

    /// <summary>Writes patch <paramref name="version"/> and commits it (the caller holds the lock; the head was version - 1).</summary>
    /// <returns>True if it is time to compact.</returns>
    public bool Commit(long version, DocumentPatchRecord record)
    {
        // A writer that died before the head moved left its record here: overwritten.
        byte[] bytes = record.ToBytes();
        _store.Set(PatchKey(version), new DocumentBytes(bytes));

        // Compact once the patches since the snapshot weigh as much as it does (and are at
        // least 256): writing the snapshot then costs, per patch, about what writing the
        // patch did, however large the document is. Counted before the commit, so that
        // nothing after the commit can fail.
        long journal = _store.Increment(_journalBytes, bytes.Length);
        _store.Set(_head, version);
        return version - SnapshotVersion >= MinPatchesPerSnapshot && journal >= (_store.TryGet(_snapshotBytes, out long size) ? size : 0);
    }

    /// <summary>
    /// Replaces the snapshot with <paramref name="document"/> at <paramref name="version"/>,
    /// and removes the patches it covers but the last <see cref="Retained"/>.
    /// </summary>
    public void Compact(long version, JsonObject document)
    {
        long size = WriteSnapshot(version, document);
        _store.Set(_base, version);
        _store.Set(_snapshotBytes, size);
        _store.Set(_journalBytes, 0L);
        long trimmed = _store.TryGet(_trimmed, out long t) ? t : 0;
        long trimTo = version - Retained;
        for (long v = trimmed + 1; v <= trimTo; v++)
        {
            _store.Remove(PatchKey(v));
        }

        if (trimTo > trimmed)
        {
            _store.Set(_trimmed, trimTo);
        }
    }

    private long WriteSnapshot(long version, JsonObject document)
    {
        byte[] json = Encoding.UTF8.GetBytes(document.ToJsonString());
        byte[] bytes = new byte[8 + json.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, version);
        json.CopyTo(bytes, 8);
        _store.Set(_snapshot, new DocumentBytes(bytes));
        return bytes.Length;
    }

    private string PatchKey(long version) => _patchPrefix + version.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One patch as the journal keeps it: the update, its array filters, and the time it was applied at (what <c>$currentDate</c> wrote, so every process replays the same result). Read back by <see cref="DocumentJournal.TryReadPatch"/>.</summary>
internal readonly record struct DocumentPatchRecord(string Update, string? ArrayFilters, long UnixMilliseconds)
{
    public byte[] ToBytes()
    {
        var text = new StringBuilder(Update.Length + 64);
        text.Append("{\"u\":").Append(Update);
        if (ArrayFilters is not null)
        {
            text.Append(",\"f\":").Append(ArrayFilters);
        }

        text.Append(",\"t\":").Append(UnixMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('}');
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Reads a record <see cref="ToBytes"/> wrote, parsed once into its update and the time it was applied at.</summary>
    public static void Parse(ReadOnlySpan<byte> bytes, out DocumentUpdate update, out DateTimeOffset appliedAt)
    {
        JsonObject record = JsonNode.Parse(bytes)!.AsObject();
        appliedAt = DateTimeOffset.FromUnixTimeMilliseconds(record["t"]!.GetValue<long>());
        JsonNode? filters = record["f"];
        record.Remove("f");
        JsonNode? text = record["u"];
        record.Remove("u");
        update = DocumentUpdate.FromJournal(text, filters as JsonArray);
    }
}
