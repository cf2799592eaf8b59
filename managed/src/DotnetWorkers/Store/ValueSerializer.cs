using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using MemoryPack;

namespace DotnetWorkers.Store;

/// <summary>
/// MemoryPack into a per-thread buffer that is reused from call to call, so a Set allocates
/// nothing once warm; the native side copies the bytes into the region.
/// </summary>
internal static class ValueSerializer
{
    private const int KeepAtMost = 1 << 20; // a thread that once stored a huge value does not keep its buffer

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_writer;

    /// <summary>The serialized bytes of <paramref name="value"/>, valid until this thread serializes again.</summary>
    internal static ReadOnlySpan<byte> Serialize<T>(in T value, string parameterName)
    {
        ArrayBufferWriter<byte> writer = t_writer ??= new ArrayBufferWriter<byte>(256);
        if (writer.Capacity > KeepAtMost)
        {
            writer = t_writer = new ArrayBufferWriter<byte>(256);
        }

        writer.ResetWrittenCount();
        try
        {
            MemoryPackSerializer.Serialize(writer, value);
        }
        catch (MemoryPackSerializationException e)
        {
            throw new ArgumentException(
                $"A value of type {typeof(T)} cannot be stored: MemoryPack cannot serialize it ({e.Message}). Mark the type [MemoryPackable].",
                parameterName, e);
        }

        return writer.WrittenSpan;
    }

    internal static T Deserialize<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] T>(ReadOnlySpan<byte> bytes, string key)
    {
        try
        {
            return MemoryPackSerializer.Deserialize<T>(bytes)!;
        }
        catch (MemoryPackSerializationException e)
        {
            throw new InvalidOperationException(
                $"The value under '{key}' cannot be read as {typeof(T)}: {e.Message} (was it stored as another type?)", e);
        }
    }
}
