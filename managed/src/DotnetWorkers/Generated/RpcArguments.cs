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

    /// <summary>Reads one argument from the front of <paramref name="payload"/>, which moves past it.</summary>
    public static T Read<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(ref ReadOnlySpan<byte> payload)
    {
        T? value = default;
        int consumed = MemoryPackSerializer.Deserialize(payload, ref value);
        payload = payload[consumed..];
        return value!;
    }
}
