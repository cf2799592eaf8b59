using System.Diagnostics;

namespace DotnetWorkers.Bench.Boot;

/// <summary>
/// The two pipes a boot run shares with every BootProbe process: each writes one byte to
/// "ready" when its Main starts; all of them return when "stop" is closed. The probes
/// inherit the ends they use; the benchmark keeps the other ends close-on-exec.
/// </summary>
internal sealed class ProbePipes : IDisposable
{
    private readonly int _readyRead;
    private readonly int _readyWrite;
    private readonly int _stopRead;
    private int _stopWrite;

    internal ProbePipes()
    {
        (_readyRead, _readyWrite) = Posix.Pipe();
        (_stopRead, _stopWrite) = Posix.Pipe();
        Posix.SetCloseOnExec(_readyRead);
        Posix.SetCloseOnExec(_stopWrite);
    }

    /// <summary>Sets the probe's environment: which inherited descriptors to use.</summary>
    internal void Configure(IDictionary<string, string?> environment)
    {
        environment["BOOT_PROBE_READY_FD"] = _readyWrite.ToString();
        environment["BOOT_PROBE_STOP_FD"] = _stopRead.ToString();
    }

    /// <summary>Blocks until <paramref name="count"/> probes are ready; returns the timestamp of the last.</summary>
    internal long WaitForReady(int count)
    {
        for (int received = 0; received < count;)
        {
            received += Posix.ReadWithTimeout(_readyRead, count - received, TimeSpan.FromSeconds(30));
        }

        return Stopwatch.GetTimestamp();
    }

    /// <summary>Lets every probe return (end-of-file on "stop"), and opens a fresh pipe for the next run.</summary>
    internal void StopAll()
    {
        Posix.Close(_stopWrite);
        int newRead;
        (newRead, _stopWrite) = Posix.Pipe();
        Posix.SetCloseOnExec(_stopWrite);
        Posix.Dup2(newRead, _stopRead); // same number, so Configure's environment stays valid
        Posix.Close(newRead);
    }

    public void Dispose()
    {
        foreach (int fd in new[] { _readyRead, _readyWrite, _stopRead, _stopWrite })
        {
            Posix.Close(fd);
        }
    }
}
