using System.Buffers;
using MemoryPack;

namespace DotnetWorkers.Messaging.Rpc;

internal abstract class ValueResultCodec<T> : ResultCodec
{
    internal override void Write(IBufferWriter<byte> writer, object? result) => MemoryPackSerializer.Serialize(writer, (T?)result);

    internal override PendingCall CreatePending(int target, uint targetPid, MethodPlan plan) =>
        new PendingCall<T>(target, targetPid, plan, static payload => MemoryPackSerializer.Deserialize<T>(payload)!);
}
