using MemoryPack;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>A call this process made and waits on, until its response, its target's death, a timeout or cancellation.</summary>
internal abstract class PendingCall
{
    protected PendingCall(int target, uint targetPid, MethodPlan plan)
    {
        Target = target;
        TargetPid = targetPid;
        Plan = plan;
    }

    internal int Target { get; }

    internal uint TargetPid { get; }

    internal MethodPlan Plan { get; }

    /// <summary>The response arrived (on the dispatcher thread: continuations run on the thread pool).</summary>
    internal abstract void Complete(ResponseStatus status, ReadOnlySpan<byte> payload);

    internal abstract void Fail(Exception exception);
}

internal sealed class PendingCall<T> : PendingCall
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReadResult _read;

    internal delegate T ReadResult(ReadOnlySpan<byte> payload);

    internal PendingCall(int target, uint targetPid, MethodPlan plan, ReadResult read)
        : base(target, targetPid, plan)
    {
        _read = read;
    }

    internal Task<T> Task => _completion.Task;

    internal override void Complete(ResponseStatus status, ReadOnlySpan<byte> payload)
    {
        try
        {
            switch (status)
            {
                case ResponseStatus.Ok:
                    _completion.TrySetResult(_read(payload));
                    break;
                case ResponseStatus.Error:
                    RemoteError error = MemoryPackSerializer.Deserialize<RemoteError>(payload)!;
                    _completion.TrySetException(new RemoteException(error.TypeName, error.Message, error.StackTrace, Target));
                    break;
                default:
                    _completion.TrySetException(new ServiceNotFoundException(
                        Plan.Service.FullName ?? Plan.Service.Name, $"Process {Target} does not serve {Plan.Service.FullName}."));
                    break;
            }
        }
        catch (Exception e)
        {
            _completion.TrySetException(new DotnetWorkersException($"The response to {Plan.DisplayName} could not be read: {e.Message}", e));
        }
    }

    internal override void Fail(Exception exception) => _completion.TrySetException(exception);
}
