using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace DotnetWorkers.LauncherTests;

/// <summary>
/// A real Redis (Debian's <c>redis-server</c>) or Garnet (the <c>garnet-server</c> dotnet
/// tool) on a free loopback port, for the clusters joined across "machines" (--join).
/// <c>.ci/run</c> installs both when the machine lacks them; a test without them fails and
/// says how to install them. Disposing kills the server.
/// </summary>
internal sealed class JoinServer : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string? _dataDir;
    private Process _process = null!;

    private JoinServer(string kind, int port, string? password, string? dataDir)
    {
        Kind = kind;
        Port = port;
        Password = password;
        _dataDir = dataDir;
    }

    internal string Kind { get; }

    internal int Port { get; }

    /// <summary>The password the server requires, if any.</summary>
    internal string? Password { get; }

    /// <summary>The --join URL of cluster <paramref name="name"/> on this server.</summary>
    internal string Url(string name) => $"redis://127.0.0.1:{Port}/{name}";

    /// <summary>
    /// Starts "redis" (with a password: the tests give it the way users must) or "garnet".
    /// <paramref name="durable"/> (redis): every write is in its append-only file before it is
    /// acknowledged, so a server killed and started again has every acknowledged write.
    /// </summary>
    internal static JoinServer Start(string kind, bool durable = false)
    {
        string? dataDir = durable ? Directory.CreateTempSubdirectory("dw-redis-").FullName : null;
        var server = new JoinServer(kind, WebRequests.FreePort(), kind == "redis" ? "join-test-password" : null, dataDir);
        server.Launch();
        return server;
    }

    /// <summary>SIGKILLs the server (no shutdown of its own), then starts it again on the same port and data.</summary>
    internal void KillAndRestart(TimeSpan down)
    {
        _process.Kill();
        _process.WaitForExit(5000);
        _process.Dispose();
        Thread.Sleep(down);
        Launch();
    }

    private void Launch()
    {
        var info = new ProcessStartInfo(Find(Kind))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] persistence = _dataDir is null
            ? ["--save", "", "--appendonly", "no"]
            : ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", _dataDir];
        string[] arguments = Kind == "redis"
            ? ["--port", $"{Port}", "--bind", "127.0.0.1", .. persistence, "--requirepass", Password!]
            : ["--port", $"{Port}", "--bind", "127.0.0.1"];
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilServing();
    }

    private static string Find(string kind)
    {
        string program = kind == "redis" ? "redis-server" : "garnet-server";
        string home = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        string[] places = [
            .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, program)),
            Path.Combine(home, ".dotnet", "tools", program)];
        return places.FirstOrDefault(File.Exists) ?? throw new AssertionException(
            kind == "redis"
                ? "redis-server is missing: apt-get install redis-server (.ci/run does)"
                : "garnet-server is missing: dotnet tool install --global garnet-server (.ci/run does)");
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>Until it answers PING (with its password), within 20 s.</summary>
    private void WaitUntilServing()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process.HasExited)
            {
                break;
            }

            try
            {
                using var client = new TcpClient("127.0.0.1", Port);
                NetworkStream stream = client.GetStream();
                stream.ReadTimeout = 2000;
                string command = Password is null ? "PING\r\n" : $"AUTH {Password}\r\nPING\r\n";
                stream.Write(Encoding.ASCII.GetBytes(command));
                var reply = new StringBuilder();
                byte[] buffer = new byte[256];
                while (!reply.ToString().Contains("PONG", StringComparison.Ordinal))
                {
                    int read = stream.Read(buffer);
                    if (read == 0)
                    {
                        break;
                    }

                    reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                if (reply.ToString().Contains("PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                // not listening yet
            }

            Thread.Sleep(100);
        }

        Dispose();
        Assert.Fail($"{Kind} did not serve on port {Port} within 20 s:\n{Output}");
    }

    internal string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // never started, or gone already
        }

        _process.Dispose();
        if (_dataDir is not null)
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
