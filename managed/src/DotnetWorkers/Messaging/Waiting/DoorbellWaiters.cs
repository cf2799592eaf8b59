namespace DotnetWorkers.Messaging.Waiting;

/// <summary>
/// The one way a task of this process waits for something another process does (a message
/// in a queue, room in one): no thread is held and no CPU is used while it waits. A waiter
/// registers for an <see cref="IWaitCondition"/>, which makes the region ring this process's
/// doorbell on a change; on every ring, the inbox drain asks each watched condition
/// whether it is ready and completes its waiters, who then look again themselves (another
/// process may have taken what they were woken for).
/// </summary>
/// <remarks>
/// A waiter cleans up after itself whichever way it ends: woken or cancelled, it leaves the
/// table (the last one of a condition stops the watch) and unregisters from its
/// cancellation token, so a long-lived token (<c>Cluster.ShutdownToken</c>) passed to
/// millions of waits keeps nothing alive. Waiters complete asynchronously: no continuation
/// runs on the draining thread.
/// </remarks>
internal sealed class DoorbellWaiters
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IWaitCondition, List<Waiter>> _waiting = [];
    private int _count;
    private long _woken;

    /// <summary>Waiters waiting now.</summary>
    internal int Count => Volatile.Read(ref _count);

    /// <summary>Waiters a drain has woken so far (diagnostics, and tests that wake-ups come from changes, not polls).</summary>
    internal long Woken => Interlocked.Read(ref _woken);

    /// <summary>
    /// Completes when <paramref name="condition"/> is ready (perhaps at once: it is asked once
    /// more after the watch is on, so a change made between the caller's last look and the
    /// watch is not missed; later changes ring the doorbell), or is cancelled. The caller then
    /// looks again itself: another process may have taken what it was woken for.
    /// </summary>
    internal Task WaitAsync(IWaitCondition condition, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var waiter = new Waiter(this, condition);
        lock (_gate)
        {
            if (!_waiting.TryGetValue(condition, out List<Waiter>? waiters))
            {
                condition.Watch(true);  // may throw: then nothing was added
                waiters = [];
                _waiting[condition] = waiters;
            }

            waiters.Add(waiter);
            _count++;
        }

        if (condition.IsReady())
        {
            Remove(waiter);
            waiter.Wake();
            return waiter.Task;
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.RegisterCancellation(cancellationToken);
        }

        return waiter.Task;
    }

    /// <summary>Completes the waiters of every ready condition (on the thread that drains the inbox); true if any.</summary>
    internal bool WakeReady()
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return false;
        }

        List<Waiter>? ready = null;
        lock (_gate)
        {
            foreach ((IWaitCondition condition, List<Waiter> waiters) in _waiting)
            {
                if (!condition.IsReady())
                {
                    continue;
                }

                (ready ??= []).AddRange(waiters);
                _count -= waiters.Count;
                StopWatching(condition);  // removing while enumerating is allowed for a Dictionary
            }
        }

        if (ready is null)
        {
            return false;
        }

        Interlocked.Add(ref _woken, ready.Count);
        foreach (Waiter waiter in ready)
        {
            waiter.Wake();
        }

        return true;
    }

    private void Remove(Waiter waiter)
    {
        lock (_gate)
        {
            if (_waiting.TryGetValue(waiter.Condition, out List<Waiter>? waiters) && waiters.Remove(waiter))
            {
                _count--;
                if (waiters.Count == 0)
                {
                    StopWatching(waiter.Condition);
                }
            }
        }
    }

    private void StopWatching(IWaitCondition condition)
    {
        _waiting.Remove(condition);
        try
        {
            condition.Watch(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or DotnetWorkersException)
        {
            // The region was released (tests) or is unusable: a watch left on only costs
            // rings, and the waiters taken from the table must still be woken.
        }
    }

    /// <summary>One wait: a task, and the cancellation registration it gives back when it ends.</summary>
    private sealed class Waiter(DoorbellWaiters owner, IWaitCondition condition)
        : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private readonly Lock _gate = new();
        private CancellationTokenRegistration _registration;
        private bool _ended;

        internal IWaitCondition Condition { get; } = condition;

        internal void RegisterCancellation(CancellationToken cancellationToken)
        {
            // A token cancelled meanwhile runs the callback here, before the registration is
            // kept: it ended the wait, and the registration is given back below.
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((Waiter)state!).Cancel(token), this);
            lock (_gate)
            {
                if (!_ended)
                {
                    _registration = registration;
                    return;
                }
            }

            registration.Unregister();
        }

        internal void Wake()
        {
            TrySetResult();
            End();
        }

        private void Cancel(CancellationToken cancellationToken)
        {
            owner.Remove(this);
            TrySetCanceled(cancellationToken);
            End();
        }

        /// <summary>Gives the registration back (Unregister, not Dispose: it never waits for a callback running now).</summary>
        private void End()
        {
            CancellationTokenRegistration registration;
            lock (_gate)
            {
                _ended = true;
                registration = _registration;
                _registration = default;
            }

            registration.Unregister();
        }
    }
}
