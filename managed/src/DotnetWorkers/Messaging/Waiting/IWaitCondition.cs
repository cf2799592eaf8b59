namespace DotnetWorkers.Messaging.Waiting;

/// <summary>
/// Something in the region that a task of this process can wait for without holding a
/// thread: another process changes it, then rings the doorbell of every process watching it
/// (see <see cref="DoorbellWaiters"/>). Implementations have value equality: waiters for the
/// same thing share one watch.
/// </summary>
internal interface IWaitCondition
{
    /// <summary>
    /// Asks the region to ring this process's doorbell when the thing may have changed
    /// (<paramref name="watch"/> true: with the first waiter), or stops asking (after the last).
    /// </summary>
    void Watch(bool watch);

    /// <summary>True when the waiters should look again now. Cheap: asked on every drain of the inbox while someone waits.</summary>
    bool IsReady();
}
