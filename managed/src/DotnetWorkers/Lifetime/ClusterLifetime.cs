using System.Runtime.InteropServices;
using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Lifetime;

/// <summary>
/// How long this process belongs to the cluster, and the token that says it is ending.
/// A thread sleeps on the region's shutdown word (a futex: no CPU while the cluster runs)
/// and cancels <see cref="ShutdownToken"/> when the launcher requests shutdown, or when
/// this process receives SIGINT/SIGTERM. On a worker the thread is a foreground thread, so
/// the process outlives <c>Main</c> until shutdown, as a Node worker outlives its script
/// while its event loop has work.
/// </summary>
internal sealed class ClusterLifetime : IDisposable
{
    private readonly SharedRegion _region;
    private readonly bool _standalone;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Thread _watcher;
    private readonly PosixSignalRegistration[] _signals;
    private volatile bool _localStop;
    private int _signalsSeen;

    internal ClusterLifetime(SharedRegion region, bool keepProcessAlive, bool standalone)
    {
        _region = region;
        _standalone = standalone;
        _watcher = new Thread(Watch)
        {
            IsBackground = !keepProcessAlive,
            Name = "DotnetWorkers lifetime",
        };
        _watcher.Start();
        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    internal CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>Ends this process's part in the cluster: the token fires, the keep-alive thread ends.</summary>
    internal void StopLocally()
    {
        _localStop = true;
        NativeMethods.ShutdownWake(_region.Handle);
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
        _watcher.Join(TimeSpan.FromSeconds(5));
    }
}
