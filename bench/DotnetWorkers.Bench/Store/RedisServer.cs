using System.Diagnostics;
using System.Net.Sockets;

namespace DotnetWorkers.Bench.Store;

/// <summary>
/// A private redis-server on loopback for the run (installed from Debian's packages if the
/// machine lacks it), stopped when disposed. Persistence off: the comparison is in-memory
/// against in-memory.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    internal int Port { get; }

    /// <summary>Starts one, or returns null with the reason it could not.</summary>
    internal static RedisServer? TryStart(out string? whyNot)
    {
        string? server = DebianPackages.FindOrInstall("redis-server", ["/usr/bin/redis-server", "/usr/local/bin/redis-server"], out whyNot);
        if (server is null)
        {
            return null;
        }

        int port = Loopback.FreePort();
        var info = new ProcessStartInfo(server) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            info.ArgumentList.Add(a);
        }

        Process process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var probe = new TcpClient("127.0.0.1", port);
                whyNot = null;
                return new RedisServer(process, port);
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        process.Kill();
        whyNot = "redis-server did not start listening within 10 s";
        return null;
    }

    public void Dispose()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
