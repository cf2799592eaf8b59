using System.Buffers;
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
/// <item><c>dw.doc:NAME:head</c>, a <see cref="DocumentHead"/>: the version of the last committed patch, with the
/// snapshot's version and size, the bytes of the patches since, and how far patches are removed. Writing it is the
/// commit, and one read of it is all a reader needs to know whether it is current.</item>
/// <item><c>dw.doc:NAME:snapshot</c>, bytes: the version (8 bytes, little-endian), then the document at that version as UTF-8 JSON.</item>
/// <item><c>dw.doc:NAME:patch:V</c>, bytes: patch V as UTF-8 JSON, <c>{"u": update, "f": arrayFilters, "t": unix ms}</c>, for every V after
/// <see cref="DocumentHead.Trimmed"/> up to the head. A compaction keeps the last <see cref="Retained"/> patches the snapshot covers,
/// so a process that lags behind by fewer replays them (its observers miss nothing) instead of reloading the snapshot.</item>
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
    public long Head => ReadHead() is { } head ? head.Version : -1;

    /// <summary>The head record, or null if the document does not exist.</summary>
    public DocumentHead? ReadHead() => _store.TryGet(_head, out DocumentHead head) ? head : null;

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
        long size = WriteSnapshot(version, document);
        if (persistence is not null)
        {
            _store.Set(_persistence, persistence);
        }

        _store.Set(_head, new DocumentHead(version, version, version, size, 0));
    }

    /// <summary>Writes the patch after <paramref name="head"/> and commits it (the caller holds the lock and read <paramref name="head"/> under it).</summary>
    /// <returns>The new head, and true if it is time to compact.</returns>
    public (DocumentHead Head, bool Compact) Commit(DocumentHead head, DocumentPatchRecord record)
    {
        // A writer that died before the head moved left its record here: overwritten.
        byte[] bytes = record.ToBytes();
        long version = head.Version + 1;
        _store.Set(PatchKey(version), new DocumentBytes(bytes));
        DocumentHead committed = head with { Version = version, JournalBytes = head.JournalBytes + bytes.Length };
        _store.Set(_head, committed);

        // Compact once the patches since the snapshot weigh as much as it does (and are at
        // least 256): writing the snapshot then costs, per patch, about what writing the
        // patch did, however large the document is.
        return (committed, version - committed.Base >= MinPatchesPerSnapshot && committed.JournalBytes >= committed.SnapshotBytes);
    }

    /// <summary>
    /// Replaces the snapshot with <paramref name="document"/> at the version of <paramref name="head"/>
    /// (the caller holds the lock), and removes the patches it covers but the last <see cref="Retained"/>.
    /// </summary>
    public void Compact(DocumentHead head, JsonObject document)
    {
        long size = WriteSnapshot(head.Version, document);
        head = head with { Base = head.Version, SnapshotBytes = size, JournalBytes = 0 };
        _store.Set(_head, head);
        long trimTo = head.Version - Retained;
        for (long v = head.Trimmed + 1; v <= trimTo; v++)
        {
            _store.Remove(PatchKey(v));
        }

        if (trimTo > head.Trimmed)
        {
            _store.Set(_head, head with { Trimmed = trimTo });
        }
    }

    private long WriteSnapshot(long version, JsonObject document)
    {
        ArrayBufferWriter<byte> buffer = DocumentJson.After(8, document);
        byte[] bytes = buffer.WrittenSpan.ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(bytes, version);
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
        // Written as UTF-8 into one array of the exact size: a patch allocates this and nothing else here.
        Span<byte> time = stackalloc byte[20];
        UnixMilliseconds.TryFormat(time, out int timeLength, provider: System.Globalization.CultureInfo.InvariantCulture);
        int length = "{\"u\":"u8.Length + Encoding.UTF8.GetByteCount(Update)
            + (ArrayFilters is null ? 0 : ",\"f\":"u8.Length + Encoding.UTF8.GetByteCount(ArrayFilters))
            + ",\"t\":"u8.Length + timeLength + 1;
        var bytes = new byte[length];
        Span<byte> rest = bytes;
        Take(ref rest, "{\"u\":"u8);
        rest = rest[Encoding.UTF8.GetBytes(Update, rest)..];
        if (ArrayFilters is not null)
        {
            Take(ref rest, ",\"f\":"u8);
            rest = rest[Encoding.UTF8.GetBytes(ArrayFilters, rest)..];
        }

        Take(ref rest, ",\"t\":"u8);
        Take(ref rest, time[..timeLength]);
        rest[0] = (byte)'}';
        return bytes;

        static void Take(ref Span<byte> rest, scoped ReadOnlySpan<byte> part)
        {
            part.CopyTo(rest);
            rest = rest[part.Length..];
        }
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
