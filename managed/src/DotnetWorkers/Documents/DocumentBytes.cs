using MemoryPack;

namespace DotnetWorkers.Documents;

/// <summary>
/// A journal entry's bytes as the store keeps them: a type of MemoryPack's generated
/// formatters, where a bare <c>byte[]</c> would take MemoryPack's reflection path, which
/// NativeAOT refuses.
/// </summary>
[MemoryPackable]
internal sealed partial record DocumentBytes(byte[] Bytes);
