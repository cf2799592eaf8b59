using System.Runtime.InteropServices;

namespace DotnetWorkers.LauncherTests;

/// <summary>The few POSIX calls the tests need that .NET does not expose.</summary>
internal static partial class Posix
{
    internal const int SIGHUP = 1;
    internal const int SIGINT = 2;
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;
    internal const int SIGCONT = 18;
    internal const int SIGSTOP = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getuid")]
    internal static partial uint GetUid();

    /// <summary>
    /// True while <paramref name="pid"/> is a live process. A zombie (dead, not yet reaped:
    /// an orphan whose new parent does not reap) counts as dead.
    /// </summary>
    internal static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ...": the state follows the last ')'.
            char state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
