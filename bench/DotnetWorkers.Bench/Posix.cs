using System.Runtime.InteropServices;

namespace DotnetWorkers.Bench;

/// <summary>The POSIX calls the benchmarks need that .NET does not expose.</summary>
internal static unsafe partial class Posix
{
    private const int SIGTERM = 15;
    private const int F_SETFD = 2;
    private const int FD_CLOEXEC = 1;
    private const short POLLIN = 1;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "pipe", SetLastError = true)]
    private static partial int PipeRaw(int* fds);

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseRaw(int fd);

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2Raw(int from, int to);

    [LibraryImport("libc", EntryPoint = "read")]
    private static partial nint ReadRaw(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll")]
    private static partial int PollRaw(PollFd* fds, nuint count, int timeoutMs);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    internal static void Terminate(int pid) => Kill(pid, SIGTERM);

    /// <summary>A pipe whose ends are both inherited by child processes (no close-on-exec).</summary>
    internal static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (PipeRaw(fds) != 0)
        {
            throw new IOException($"pipe failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (fds[0], fds[1]);
    }

    internal static void SetCloseOnExec(int fd) => Fcntl(fd, F_SETFD, FD_CLOEXEC);

    internal static void Close(int fd) => CloseRaw(fd);

    internal static void Dup2(int from, int to) => Dup2Raw(from, to);

    /// <summary>Reads up to <paramref name="max"/> bytes, waiting at most <paramref name="timeout"/> for the first.</summary>
    internal static int ReadWithTimeout(int fd, int max, TimeSpan timeout)
    {
        var poll = new PollFd { Fd = fd, Events = POLLIN };
        if (PollRaw(&poll, 1, (int)timeout.TotalMilliseconds) <= 0)
        {
            throw new TimeoutException($"nothing to read on fd {fd} within {timeout.TotalSeconds} s");
        }

        byte* buffer = stackalloc byte[max];
        return (int)ReadRaw(fd, buffer, max);
    }
}
