namespace DotnetWorkers.Messaging.Scheduling;

/// <summary>
/// The ambient context a runner thread had before an item, put back after it: user code run
/// synchronously there (a served method that is not async, a continuation registered
/// without capturing a context) may set an AsyncLocal, suppress flow or install a
/// SynchronizationContext, and none of that may leak into the next item, perhaps another
/// caller's. (An async method's builder does the same for its own code.)
/// </summary>
internal readonly struct AmbientContext
{
    private readonly ExecutionContext? _execution;
    private readonly SynchronizationContext? _synchronization;

    private AmbientContext(ExecutionContext? execution, SynchronizationContext? synchronization)
    {
        _execution = execution;
        _synchronization = synchronization;
    }

    internal static AmbientContext Capture() => new(ExecutionContext.Capture(), SynchronizationContext.Current);

    internal void Restore()
    {
        if (_execution is not null && ExecutionContext.Capture() != _execution)
        {
            ExecutionContext.Restore(_execution);
        }

        if (SynchronizationContext.Current != _synchronization)
        {
            SynchronizationContext.SetSynchronizationContext(_synchronization);
        }
    }
}
