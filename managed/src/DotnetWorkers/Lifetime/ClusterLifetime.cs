using System.Runtime.InteropServices;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Lifetime;

/// <summary>
/// How long this process belongs to the cluster, and the token that says it is ending.
/// A thread sleeps on the region's shutdown word (a futex: no CPU while the cluster runs)
/// and cancels <see cref="ShutdownToken"/> when the launcher requests shutdown, or when
/// this process receives SIGINT/SIGTERM.
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
    private readonly bool _keepProcessAlive;
    private readonly bool _standalone;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _gate = new();
    private Thread? _watcher;
    private PosixSignalRegistration[] _signals = [];
    private volatile bool _observed;
    private volatile bool _localStop;
    private int _signalsSeen;

    internal ClusterLifetime(SharedRegion region, bool keepProcessAlive, bool standalone)
    {
        _region = region;
        _keepProcessAlive = keepProcessAlive;
        _standalone = standalone;
        if (keepProcessAlive)
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

    /// <summary>Ends this process's part in the cluster: the token fires, the keep-alive thread ends.</summary>
    internal void StopLocally()
    {
        _localStop = true;
        if (_watcher is null)
        {
            CancelToken();
        }
        else
        {
            NativeMethods.ShutdownWake(_region.Handle);
        }
    }

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

        _watcher = new Thread(Watch)
        {
            IsBackground = !_keepProcessAlive,
            Name = "DotnetWorkers lifetime",
        };
        _watcher.Start();
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
        while (!_localStop)
        {
            DwStatus status = NativeMethods.ShutdownWait(_region.Handle, -1, out uint state);
            if (status != DwStatus.Ok || state != RegionLayout.Running)
            {
                break;
            }
        }

        CancelToken();
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
        _watcher?.Join(TimeSpan.FromSeconds(5));
    }
}
