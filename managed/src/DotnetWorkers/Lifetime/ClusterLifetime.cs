using System.Runtime.InteropServices;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Lifetime;

/// <summary>
/// How long this process belongs to the cluster, and the token that says it is ending.
/// A thread sleeps on this process's doorbell (a futex: no CPU while nothing happens) and
/// cancels <see cref="ShutdownToken"/> when the process's entry leaves "running": the
/// launcher marks every entry stopping when the cluster shuts down, and this process marks
/// its own when it gets SIGINT/SIGTERM; both ring the doorbell after the change, so no
/// wake-up is lost between the check and the sleep. The same thread does the process's
/// periodic work: on every ring, and at least once a second, it makes a pass (the function
/// given at construction: messaging's pump, the heap's size), until the process ends
/// (messaging works through a graceful shutdown: that is when an app drains its work).
/// </summary>
/// <remarks>
/// <para>The thread starts at bind. On a worker it is a foreground thread, so the process
/// outlives <c>Main</c> until its lifetime ends, as a Node worker outlives its script while
/// its event loop has work; on the primary, a background one. The signal handlers are
/// registered on the first use of <see cref="ShutdownToken"/>: a process that never asks
/// keeps the runtime's default SIGINT/SIGTERM behaviour.</para>
/// <para>A worker's lifetime ends when it is stopped on its own, or, in a shutdown of the
/// whole cluster, once the primary has exited too: the primary may still call its workers,
/// read their queues and wait for their answers while it finishes up. The thread then
/// becomes a background thread and keeps pumping messages until the process exits.</para>
/// </remarks>
internal sealed class ClusterLifetime : IDisposable
{
    private readonly SharedRegion _region;
    private readonly uint _id;
    private readonly bool _keepProcessAlive;
    private readonly bool _standalone;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _lifetimeEnded = new();
    private readonly ManualResetEventSlim _callbacksRan = new();
    private readonly Func<bool> _pass;
    private readonly Thread _watcher;
    private PosixSignalRegistration[]? _signals;  // null until observed: not even its type is loaded at bind
    private volatile bool _observed;
    private volatile bool _disposing;
    private int _signalsSeen;
    private int _tokenFired;

    /// <param name="region">The region whose doorbell the thread sleeps on.</param>
    /// <param name="id">This process's id.</param>
    /// <param name="keepProcessAlive">True on a worker: the thread keeps the process alive past <c>Main</c>.</param>
    /// <param name="standalone">A cluster of one: the second signal terminates.</param>
    /// <param name="pass">
    /// What the thread does on each ring and at least once a second (draining the inbox, waking
    /// waiters, publishing statistics); true if it found work that makes more likely soon.
    /// </param>
    internal ClusterLifetime(SharedRegion region, int id, bool keepProcessAlive, bool standalone, Func<bool> pass)
    {
        _region = region;
        _id = (uint)id;
        _keepProcessAlive = keepProcessAlive;
        _standalone = standalone;
        _pass = pass;
        _watcher = new Thread(Watch)
        {
            IsBackground = !keepProcessAlive,
            Name = "DotnetWorkers lifetime",
        };
        _watcher.Start();
    }

    /// <summary>After a ring that brought work, the thread polls the doorbell this long before sleeping: a futex wake-up costs more than a quick answer.</summary>
    internal const long SpinMicroseconds = 50;

    internal CancellationToken ShutdownToken
    {
        get
        {
            if (!_observed)
            {
                Observe();
            }

            return _shutdown.Token;
        }
    }

    /// <summary>
    /// Ends this process's part in the cluster without stopping the others: its entry
    /// becomes "stopping", the token fires, the keep-alive thread ends.
    /// </summary>
    internal void StopLocally()
    {
        NativeMethods.ProcessStop(_region.Handle, _id);  // rings the doorbell: the thread sees it
    }

    /// <summary>True once this process's lifetime has ended (the thread no longer keeps it alive), within <paramref name="bound"/> (tests).</summary>
    internal bool WaitForLifetimeEnd(TimeSpan bound) => _lifetimeEnded.Wait(bound);

    private void Observe()
    {
        lock (_gate)
        {
            if (_observed)
            {
                return;
            }

            _signals =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            ];
            _observed = true;
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // In a cluster the launcher decides when a process dies (shutdown timeout, second
        // Ctrl-C), so the runtime's default (exit now) is always cancelled. A cluster of one
        // has no launcher: the first signal is graceful, the second one terminates.
        bool first = Interlocked.Increment(ref _signalsSeen) == 1;
        if (first || !_standalone)
        {
            context.Cancel = true;
        }

        StopLocally();
    }

    private void Watch()
    {
        // The thread reads the region directly (its state words, the inbox):
        // a reference on the handle keeps the mapping alive until it is done, even if the
        // region is released meanwhile (tests release theirs).
        bool referenced = false;
        try
        {
            _region.Handle.DangerousAddRef(ref referenced);
            uint seen = NativeMethods.DoorbellRead(_region.Handle.DangerousGetHandle());
            while (!_disposing)
            {
                bool busy = PumpOnce();
                if (!_lifetimeEnded.IsSet)
                {
                    FollowTheCluster();
                }

                // The 1 s bound only guards against a ring that never comes (a killed launcher).
                long spin = busy ? SpinMicroseconds : 0;
                if (NativeMethods.DoorbellWait(_region.Handle, seen, spin, 1000, out seen) != DwStatus.Ok)
                {
                    break;
                }
            }

            PumpOnce();  // last deliveries before the region is released
        }
        catch (ObjectDisposedException)
        {
            // The region was released before the thread started (tests): the cluster is over for us.
        }
        finally
        {
            if (referenced)
            {
                _region.Handle.DangerousRelease();
            }

            EndLifetime();
        }
    }

    /// <summary>
    /// Reads this process's and the cluster's state after a ring: the token fires once this
    /// process stops, and the lifetime ends when nobody may still need it (see the remarks).
    /// </summary>
    private void FollowTheCluster()
    {
        // This process's state first, then the cluster's flag: a shutdown publishes the flag
        // before it marks the entries stopping, so an entry seen stopping by the shutdown is
        // seen with the flag (the other order could take it for a stop of this process alone).
        uint state = _region.ProcessState((int)_id);
        bool clusterStopping = _region.IsShutdownRequested;
        if (!clusterStopping && state == RegionLayout.ProcessRunning)
        {
            return;
        }

        FireTokenOnThreadPool();

        // The token's callbacks first: the process must not exit under them (they ran on
        // this thread, before it could end, until messaging went on through shutdown). When
        // they are done, the thread pool rings this thread to look again.
        if ((!_keepProcessAlive || !clusterStopping || !IsPrimaryRunning()) && _callbacksRan.IsSet)
        {
            EndLifetime();
        }
    }

    private bool IsPrimaryRunning() =>
        _region.ProcessState(0) is RegionLayout.ProcessStarting or RegionLayout.ProcessRunning or RegionLayout.ProcessStopping;

    /// <summary>
    /// The token's callbacks are user code, which may wait for messages (a last call to a
    /// worker, a queue read): they must never run on the thread that pumps them.
    /// </summary>
    private void FireTokenOnThreadPool()
    {
        if (Interlocked.Exchange(ref _tokenFired, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static lifetime => lifetime.CancelTokenThenRing(), this, preferLocal: false);
        }
    }

    private void CancelTokenThenRing()
    {
        CancelToken();
        _callbacksRan.Set();
        if (_disposing)
        {
            return;
        }

        // The watcher looks again. A reference on the handle: the region may be released
        // meanwhile (tests), and then nobody is left to look.
        bool referenced = false;
        try
        {
            _region.Handle.DangerousAddRef(ref referenced);
            NativeMethods.DoorbellRing(_region.Handle.DangerousGetHandle(), _id);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (referenced)
            {
                _region.Handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// On the watcher thread: the process no longer waits for it, and exits once <c>Main</c>
    /// has returned; the thread goes on pumping until then.
    /// </summary>
    private void EndLifetime()
    {
        if (_lifetimeEnded.IsSet)
        {
            return;
        }

        FireTokenOnThreadPool();
        Thread.CurrentThread.IsBackground = true;
        _lifetimeEnded.Set();
    }

    private bool PumpOnce()
    {
        try
        {
            return _pass();
        }
        catch (ObjectDisposedException)
        {
            throw;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"dotnet-workers: the lifetime thread of process {_id} failed a pass: {e}");
            return false;
        }
    }

    private void CancelToken()
    {
        try
        {
            _shutdown.Cancel();
        }
        catch (AggregateException e)
        {
            // A callback registered on ShutdownToken threw; the others still ran.
            Console.Error.WriteLine($"dotnet-workers: a ShutdownToken callback failed: {e.InnerException}");
        }
    }

    /// <summary>Stops the watcher (tests): bounded, never hangs.</summary>
    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _signals ?? [])
        {
            registration.Dispose();
        }

        _disposing = true;
        StopLocally();
        _watcher.Join(TimeSpan.FromSeconds(5));
    }
}
