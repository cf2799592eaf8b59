using System.Globalization;

namespace DotnetWorkers.Hosting;

/// <summary>
/// The listening sockets the launcher handed to this process (<c>--listen</c>), by systemd's
/// socket-activation convention: descriptors 3 to 3 + <c>LISTEN_FDS</c> - 1, meant for this
/// process when <c>LISTEN_PID</c> is its pid. Taken once: the variables are then removed
/// (as <c>sd_listen_fds(1)</c> does), so neither a child process nor a second reader (the
/// app's own <c>UseSystemd()</c>) serves the same descriptors again.
/// </summary>
internal sealed class InheritedSockets
{
    private const int FirstDescriptor = 3;
    private static readonly Lock s_gate = new();
    private static InheritedSockets? s_taken;

    private InheritedSockets(IReadOnlyList<int> descriptors) => Descriptors = descriptors;

    /// <summary>The descriptors, in the order of the launcher's <c>--listen</c> options.</summary>
    public IReadOnlyList<int> Descriptors { get; }

    /// <summary>Reads the variables on the first call (and removes them); later calls return the same.</summary>
    public static InheritedSockets Take()
    {
        lock (s_gate)
        {
            return s_taken ??= Read();
        }
    }

    private static InheritedSockets Read()
    {
        string? pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        string? count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        if (pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture)
            || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n <= 0)
        {
            return new InheritedSockets([]);
        }

        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        return new InheritedSockets(Enumerable.Range(FirstDescriptor, n).ToArray());
    }
}
