using System.Buffers;
using MemoryPack;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>How a result of type <typeparamref name="T"/> crosses: MemoryPack's bytes, or nothing for <see cref="NoResult"/>.</summary>
internal static class ResultFormat<T>
{
    internal static readonly Action<IBufferWriter<byte>, T> Write = typeof(T) == typeof(NoResult)
        ? static (_, _) => { }
    : static (writer, value) => MemoryPackSerializer.Serialize(writer, value);

    internal static readonly PendingCall<T>.ReadResult Read = typeof(T) == typeof(NoResult)
        ? static _ => default!
        : static payload => Types.MemoryPackBytes.Read<T>(payload)!;
}
