using System.Buffers;
using System.Collections.Concurrent;
using MemoryPack;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>Writes and reads one argument type with MemoryPack.</summary>
internal abstract class ArgumentCodec
{
    private static readonly ConcurrentDictionary<Type, ArgumentCodec> s_codecs = new();

    internal static ArgumentCodec For(Type type) =>
        s_codecs.GetOrAdd(type, t => (ArgumentCodec)Activator.CreateInstance(typeof(ArgumentCodec<>).MakeGenericType(t))!);

    internal abstract void Write(IBufferWriter<byte> writer, object? value);

    internal abstract object? Read(ReadOnlySpan<byte> payload, out int consumed);
}

internal sealed class ArgumentCodec<T> : ArgumentCodec
{
    internal override void Write(IBufferWriter<byte> writer, object? value) => MemoryPackSerializer.Serialize(writer, (T?)value);

    internal override object? Read(ReadOnlySpan<byte> payload, out int consumed)
    {
        T? value = default;
        consumed = MemoryPackSerializer.Deserialize(payload, ref value);
        return value;
    }
}
