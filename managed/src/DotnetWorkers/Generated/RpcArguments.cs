using System.Buffers;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using MemoryPack;

namespace DotnetWorkers.Generated;

/// <summary>How generated code writes and reads RPC arguments: one after another, each in MemoryPack's format.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RpcArguments
{
    /// <summary>Writes one argument.</summary>
    public static void Write<T>(IBufferWriter<byte> writer, T value) => MemoryPackSerializer.Serialize(writer, value);

    /// <summary>
    /// Does nothing at run time; called once per [MemoryPackable] type a contract carries, it
    /// makes a trimmed or NativeAOT app keep what MemoryPack finds that type's formatter by.
    /// (The call paths themselves carry no such annotation: on an array type it would keep all
    /// of <see cref="Array"/>, some of which needs dynamic code.)
    /// </summary>
    public static void Keep<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>()
    {
    }

    /// <summary>Reads one argument from the front of <paramref name="payload"/>, which moves past it.</summary>
    public static T Read<T>(ref ReadOnlySpan<byte> payload)
    {
        T? value = default;
        int consumed = Types.MemoryPackBytes.Read(payload, ref value);
        payload = payload[consumed..];
        return value!;
    }
}
