using System.Runtime.InteropServices;

namespace DotnetWorkers.Cli;

internal static partial class Posix
{
    internal const int SIGTERM = 15;

    [LibraryImport("libc")]
    internal static partial uint getuid();

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}
