using DotnetWorkers.Messaging.Inbox;
using MemoryPack;

namespace DotnetWorkers.Messaging.Rpc;

/// <summary>A call this process made and waits on, until its response, its target's death, a timeout or cancellation.</summary>
/// <remarks>
/// Settling a call takes two steps. The thread that drains the inbox reads the response
/// (<see cref="Settle"/>) while the bytes are in its buffer; the task completes later
/// (<see cref="Publish"/>, the call's <see cref="InboxWork.Run"/>), with its continuations
/// running on the publishing thread: a chain's runner. The one exception is a caller that
/// polled for its own answer: it publishes that answer itself, before it awaits it, so no
/// continuation runs there. No other thread publishes: the lifetime thread and a caller's
/// thread (with the caller's own code below it on the stack) run no user code.
/// </remarks>
internal abstract class PendingCall : InboxWork
{
    protected PendingCall(int target, uint targetPid, MethodPlan plan)
    {
        Target = target;
        TargetPid = targetPid;
        Plan = plan;
    }

    /// <summary>The call's id, set once when it is added to <see cref="PendingCalls"/> (before its request is sent).</summary>
    internal long CallId { get; set; }

    internal int Target { get; }

    internal uint TargetPid { get; }

    internal MethodPlan Plan { get; }

    /// <summary>True once the task is completed (published).</summary>
    internal abstract bool IsCompleted { get; }

    /// <inheritdoc />
    internal override bool HasRun => IsCompleted;

    /// <summary>Reads the response into the call's outcome; the task is not completed yet.</summary>
    internal abstract void Settle(ResponseStatus status, ReadOnlySpan<byte> payload);

    /// <summary>Sets the call's outcome to a failure; the task is not completed yet.</summary>
    internal abstract void SettleFailed(Exception exception);

    /// <summary>Completes the task with the settled outcome; its continuations run on this thread.</summary>
    internal abstract void Publish();

    /// <inheritdoc />
    internal override void Run() => Publish();
}

internal sealed class PendingCall<T> : PendingCall
{
    // Continuations run where Publish is called, never where the response was read.
    private readonly TaskCompletionSource<T> _completion = new();
    private readonly ReadResult _read;
    private T? _result;
    private Exception? _exception;

    internal delegate T ReadResult(ReadOnlySpan<byte> payload);

    internal PendingCall(int target, uint targetPid, MethodPlan plan, ReadResult read)
        : base(target, targetPid, plan)
    {
        _read = read;
    }

    internal Task<T> Task => _completion.Task;

    internal override bool IsCompleted => _completion.Task.IsCompleted;

    internal override void Settle(ResponseStatus status, ReadOnlySpan<byte> payload)
    {
        try
        {
            switch (status)
            {
                case ResponseStatus.Ok:
                    _result = _read(payload);
                    break;
                case ResponseStatus.Error:
                    RemoteError error = MemoryPackSerializer.Deserialize<RemoteError>(payload)!;
                    _exception = new RemoteException(error.TypeName, error.Message, error.StackTrace, Target);
                    break;
                default:
                    _exception = new ServiceNotFoundException(
                        Plan.Service.FullName ?? Plan.Service.Name, $"Process {Target} does not serve {Plan.Service.FullName}.");
                    break;
            }
        }
        catch (Exception e)
        {
            _exception = new DotnetWorkersException($"The response to {Plan.DisplayName} could not be read: {e.Message}", e);
        }
    }

    internal override void SettleFailed(Exception exception) => _exception = exception;

    internal override void Publish()
    {
        if (_exception is null)
        {
            _completion.TrySetResult(_result!);
        }
        else
        {
            _completion.TrySetException(_exception);
        }
    }
}
