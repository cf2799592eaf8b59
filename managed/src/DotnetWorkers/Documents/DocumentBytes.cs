using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemoryPack;

namespace DotnetWorkers.Documents;

/// <summary>
/// A journal entry's bytes as the store keeps them: a type of MemoryPack's generated
/// formatters, where a bare <c>byte[]</c> would take MemoryPack's reflection path, which
/// NativeAOT refuses.
/// </summary>
[MemoryPackable]
internal sealed partial record DocumentBytes(byte[] Bytes);

/// <summary>Where a shared document is kept on disk (<c>dw.doc:NAME:persistence</c>): chosen by the process that created it, followed by every writer.</summary>
/// <param name="Directory">The data directory, as an absolute path.</param>
/// <param name="SyncEveryPatch">True to fsync each patch before the patch call returns; false to fsync within 100 ms.</param>
[MemoryPackable]
internal sealed partial record DocumentPersistence(string Directory, bool SyncEveryPatch);

/// <summary>The head of a shared document (<c>dw.doc:NAME:head</c>): writing it commits a patch, so what a reader needs is one read.</summary>
/// <param name="Version">The version of the last committed patch (0: as created).</param>
/// <param name="Base">The snapshot's version.</param>
/// <param name="Trimmed">The patches up to this version are removed.</param>
/// <param name="SnapshotBytes">The snapshot's size.</param>
/// <param name="JournalBytes">The bytes of the patches written since the snapshot: when they weigh as much as it, it is time to compact.</param>
[MemoryPackable]
internal readonly partial record struct DocumentHead(long Version, long Base, long Trimmed, long SnapshotBytes, long JournalBytes);

/// <summary>A whole document as UTF-8 JSON, for the snapshots in the region and on disk.</summary>
internal static class DocumentJson
{
    /// <summary>
    /// <paramref name="prefix"/> bytes for the caller's header, then <paramref name="document"/>
    /// written as UTF-8 straight from its nodes (no string of the whole document, no second copy).
    /// </summary>
    public static ArrayBufferWriter<byte> After(int prefix, JsonObject document)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        buffer.GetSpan(prefix)[..prefix].Clear();
        buffer.Advance(prefix);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            document.WriteTo(writer);
        }

        return buffer;
    }
}
