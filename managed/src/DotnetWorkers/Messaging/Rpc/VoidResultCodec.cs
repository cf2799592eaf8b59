using System.Buffers;

namespace DotnetWorkers.Messaging.Rpc;

internal abstract class VoidResultCodec : ResultCodec
{
    internal override void Write(IBufferWriter<byte> writer, object? result)
    {
    }

    internal override PendingCall CreatePending(int target, uint targetPid, MethodPlan plan) =>
        new PendingCall<NoResult>(target, targetPid, plan, static _ => default);
}
