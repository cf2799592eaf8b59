using System.Diagnostics.CodeAnalysis;
using MemoryPack;

namespace DotnetWorkers.Types;

/// <summary>
/// RPC's way into MemoryPack's deserializer. MemoryPack marks its type parameter
/// <c>[DynamicallyAccessedMembers(All)]</c>, which keeps what it finds a [MemoryPackable]
/// type's formatter by; carried through the generated proxies' generic calls it would make a
/// NativeAOT app keep all members of every type a contract carries (all of
/// <see cref="Array"/>'s for a byte[], some of which need dynamic code). The generated
/// contracts keep their [MemoryPackable] types with <c>RpcArguments.Keep&lt;T&gt;()</c>
/// instead, and the built-in formatters need nothing kept.
/// </summary>
internal static class MemoryPackBytes
{
    [UnconditionalSuppressMessage("Trimming", "IL2091", Justification = "Formatters are generated or built in; see the class remarks.")]
    internal static T? Read<T>(ReadOnlySpan<byte> bytes) => MemoryPackSerializer.Deserialize<T>(bytes);

    /// <summary>Reads a value from the front of <paramref name="bytes"/>; how many bytes it took.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2091", Justification = "Formatters are generated or built in; see the class remarks.")]
    internal static int Read<T>(ReadOnlySpan<byte> bytes, ref T? value) => MemoryPackSerializer.Deserialize(bytes, ref value);
}
