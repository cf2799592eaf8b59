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
/// wake-up is lost between the check and the sleep. The same thread is the messaging
/// dispatcher: on every ring it runs <see cref="Pump"/>.
/// </summary>
/// <remarks>
/// On a worker the thread starts at bind and is a foreground thread, so the process
/// outlives <c>Main</c> until shutdown, as a Node worker outlives its script while its event
/// loop has work. Everything else (the primary's thread, the signal handlers) starts on the
/// first use of <see cref="ShutdownToken"/>: a process that never asks pays nothing for it,
/// and keeps the runtime's default SIGINT/SIGTERM behaviour.
/// </remarks>
internal sealed class ClusterLifetime : IDisposable
{
    private readonly SharedRegion _region;
    private readonly uint _id;
    private readonly bool _keepProcessAlive;
    private readonly bool _standalone;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();
    private Thread? _watcher;
    private PosixSignalRegistration[] _signals = [];
    private volatile bool _observed;
    private int _signalsSeen;

    internal ClusterLifetime(SharedRegion region, int id, bool keepProcessAlive, bool standalone)
    {
        _region = region;
        _id = (uint)id;
        _keepProcessAlive = keepProcessAlive;
        _standalone = standalone;
        if (keepProcessAlive)
        {
            StartWatcher();
        }
    }

    /// <summary>The dispatcher's pass over inbox and queues; true if it found work.</summary>
    internal Func<bool>? Pump { get; set; }

    /// <summary>Starts the thread if nothing has yet (the primary's first message, queue or call).</summary>
    internal void EnsurePumping()
    {
        if (Volatile.Read(ref _watcher) is not null)
        {
            return;
        }

        lock (_gate)
        {
            StartWatcher();
        }
    }

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
        NativeMethods.ProcessStop(_region.Handle, _id);
        if (Volatile.Read(ref _watcher) is null)
        {
            CancelToken();
        }
    }

    /// <summary>True once the watcher has ended (tests).</summary>
    internal bool WaitForWatcher(TimeSpan bound) => _watcher?.Join(bound) ?? true;

    private void Observe()
    {
        lock (_gate)
        {
            if (_observed)
            {
                return;
            }

            StartWatcher();
            _signals =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            ];
            _observed = true;
        }
    }

    private void StartWatcher()
    {
        if (_watcher is not null)
        {
            return;
        }

        var watcher = new Thread(Watch)
        {
            IsBackground = !_keepProcessAlive,
            Name = "DotnetWorkers lifetime",
        };
        watcher.Start();
        Volatile.Write(ref _watcher, watcher);
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
        // The thread reads the region directly (its state words, the dispatcher's queues):
        // a reference on the handle keeps the mapping alive until it is done, even if the
        // region is released meanwhile (tests release theirs).
        bool referenced = false;
        try
        {
            _region.Handle.DangerousAddRef(ref referenced);
            uint seen = NativeMethods.DoorbellRead(_region.Handle.DangerousGetHandle());
            while (_region.ProcessState((int)_id) == RegionLayout.ProcessRunning && !_region.IsShutdownRequested)
            {
                bool busy = PumpOnce();

                // The 1 s bound only guards against a ring that never comes (a killed launcher).
                long spin = busy ? Messaging.Dispatcher.SpinMicroseconds : 0;
                if (NativeMethods.DoorbellWait(_region.Handle, seen, spin, 1000, out seen) != DwStatus.Ok)
                {
                    break;
                }
            }

            PumpOnce();  // last deliveries: responses that arrived with the shutdown
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
        }

        CancelToken();
    }

    private bool PumpOnce()
    {
        try
        {
            return Pump?.Invoke() ?? false;
        }
        catch (ObjectDisposedException)
        {
            throw;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"dotnet-workers: the dispatcher of process {_id} failed a pass: {e}");
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
        foreach (PosixSignalRegistration registration in _signals)
        {
            registration.Dispose();
        }

        StopLocally();
        WaitForWatcher(TimeSpan.FromSeconds(5));
    }
}
