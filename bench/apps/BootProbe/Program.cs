// The app the boot benchmark starts, N+1 times, in three ways. It does as little as an app
// can: Main writes one byte to the inherited "ready" pipe ($BOOT_PROBE_READY_FD), then
// blocks reading the inherited "stop" pipe ($BOOT_PROBE_STOP_FD) until the benchmark
// closes it (end-of-file for every process at once), and returns.
// With --bind it first binds to the cluster (Cluster.WorkerId), so the figure includes
// loading DotnetWorkers and attaching to the region.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DotnetWorkers;

static unsafe partial class Program
{
    static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--bind")
        {
            Bind();
        }

        int ready = int.Parse(Environment.GetEnvironmentVariable("BOOT_PROBE_READY_FD")!);
        int stop = int.Parse(Environment.GetEnvironmentVariable("BOOT_PROBE_STOP_FD")!);
        byte signal = 1;
        Write(ready, &signal, 1);
        while (Read(stop, &signal, 1) > 0)
        {
        }

        return 0;
    }

    // Its own method so that the plain run never loads the DotnetWorkers assembly.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Bind() => _ = Cluster.WorkerId;

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "read")]
    private static partial nint Read(int fd, byte* buffer, nint count);
}
