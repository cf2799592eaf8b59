using System.Net;
using System.Net.Sockets;

namespace DotnetWorkers.Bench;

internal static class Loopback
{
    /// <summary>A loopback port nobody listens on right now.</summary>
    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
