namespace DotnetWorkers.Messaging.Inbox;

/// <summary>
/// What drains found, for the thread that drained to run or hand on once it let go of the
/// drain. A thread that polls for one particular item (<see cref="Awaited"/>: a caller
/// polling for its call's answer) gets it apart from the rest.
/// </summary>
internal struct DrainFindings
{
    /// <summary>The one item this thread polls for, if any: found, it is not in <see cref="Work"/>.</summary>
    internal InboxWork? Awaited;

    /// <summary>True once a drain found <see cref="Awaited"/>.</summary>
    internal bool AwaitedFound;

    /// <summary>Everything else found, in arrival order.</summary>
    internal WorkList Work;

    internal void Add(InboxWork work)
    {
        if (ReferenceEquals(work, Awaited))
        {
            AwaitedFound = true;
        }
        else
        {
            Work.Add(work);
        }
    }
}
