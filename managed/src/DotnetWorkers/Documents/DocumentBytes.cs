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
