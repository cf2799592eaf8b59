namespace DotnetWorkers;

/// <summary>
/// The process a call (or message) went to is not running: it died before answering, or
/// had already ended.
/// </summary>
public sealed class RemoteProcessDiedException : DotnetWorkersException
{
    /// <summary>Creates the exception for process <paramref name="workerId"/>.</summary>
    public RemoteProcessDiedException(int workerId, string what)
        : base($"Process {workerId} is not running: {what}.")
    {
        WorkerId = workerId;
    }

    /// <summary>The process that died.</summary>
    public int WorkerId { get; }
}
