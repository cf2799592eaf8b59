// The supervise benchmark's cluster, started by the runner as
//   dotnet-workers --workers=1 --on-worker-exit=revive --restart-delay=0 SuperviseProbe.dll <kills>
// (or with "plain" under dotnet: a fresh start that touches nothing, for comparison).
// Worker 1 serves IPing; the primary SIGKILLs it <kills> times and measures each time how
// long until a call reaches its replacement, printing "figure kill-to-serving-ms <ms>".
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DotnetWorkers;

if (args.Length > 0 && args[0] == "plain")
{
    Console.WriteLine("plain");
    return 0;
}

if (!Cluster.IsPrimary)
{
    using IDisposable serving = Cluster.Serve<IPing>(new Ping());
    Cluster.ShutdownToken.WaitHandle.WaitOne();
    return 0;
}

int kills = int.Parse(args[0], CultureInfo.InvariantCulture);
using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(5));
await Cluster.WaitForServersAsync<IPing>(1, bound.Token);
IPing worker = Cluster.Proxy<IPing>(RpcTarget.Worker(1), TimeSpan.FromSeconds(5));
for (int i = 0; i < kills; i++)
{
    int pid = await worker.PidAsync();
    long start = Stopwatch.GetTimestamp();
    Posix.Kill(pid, 9);
    while (true)
    {
        try
        {
            if (await worker.PidAsync() != pid)
            {
                break;
            }
        }
        catch (Exception e) when (e is RemoteProcessDiedException or ServiceNotFoundException or TimeoutException)
        {
            // Dead, not yet revived, or revived but not serving yet: ask again.
        }

        await Task.Delay(1, bound.Token);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"figure kill-to-serving-ms {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F3}"));
}

return 0;

/// <summary>What worker 1 serves: its pid tells a replacement from the process killed.</summary>
public interface IPing
{
    Task<int> PidAsync();
}

internal sealed class Ping : IPing
{
    public Task<int> PidAsync() => Task.FromResult(Environment.ProcessId);
}

internal static partial class Posix
{
    [LibraryImport("libc", EntryPoint = "kill")]
    internal static partial int Kill(int pid, int signal);
}
