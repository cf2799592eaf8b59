using System.Net.Sockets;
using System.Text;

namespace DotnetWorkers.Supervision;

/// <summary>
/// systemd's notify convention, which the launcher speaks: a datagram of newline-separated
/// assignments (<c>READY=1</c>) to the Unix socket named by <c>NOTIFY_SOCKET</c> ('@' for
/// the abstract namespace). The kernel tells the launcher which process sent it.
/// </summary>
internal static class ReadinessNotice
{
    internal const string SocketVariable = "NOTIFY_SOCKET";

    /// <summary>Sends <paramref name="state"/>; false if no supervisor listens (no NOTIFY_SOCKET, or nobody bound to it).</summary>
    internal static bool Send(string state)
    {
        string? address = Environment.GetEnvironmentVariable(SocketVariable);
        if (string.IsNullOrEmpty(address))
        {
            return false;
        }

        // An abstract name starts with a NUL byte where the convention writes '@'.
        string path = address[0] == '@' ? "\0" + address[1..] : address;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTo(Encoding.ASCII.GetBytes(state), new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;  // the supervisor is gone, or never listened
        }
    }
}
