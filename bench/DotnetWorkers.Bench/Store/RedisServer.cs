using System.Diagnostics;
using System.Net;
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
        whyNot = null;
        string? server = Find() ?? Install(out whyNot);
        if (server is null)
        {
            whyNot ??= "redis-server is not installed";
            return null;
        }

        int port = FreePort();
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

    private static string? Find() =>
        new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);

    private static string? Install(out string? whyNot)
    {
        whyNot = null;
        if (!File.Exists("/usr/bin/apt-get"))
        {
            whyNot = "redis-server is not installed and there is no apt-get to install it";
            return null;
        }

        Console.WriteLine("installing redis-server with apt-get (not on this machine yet)...");
        string sudo = Environment.UserName == "root" ? "" : "sudo ";
        var info = new ProcessStartInfo("/bin/sh", ["-c", $"{sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive {sudo}apt-get install -y -qq redis-server"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process install = Process.Start(info)!;
        Task<string> errors = install.StandardError.ReadToEndAsync();
        install.StandardOutput.ReadToEnd();
        if (!install.WaitForExit(TimeSpan.FromMinutes(5)) || install.ExitCode != 0)
        {
            whyNot = $"installing redis-server failed: {errors.Result.Trim().Split('\n').LastOrDefault()}";
            return null;
        }

        return Find();
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
