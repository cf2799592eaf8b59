using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DotnetWorkers.Hosting;

/// <summary>
/// Kestrel listens on the sockets the launcher handed over, as Kestrel's own
/// <c>UseSystemd()</c> would: the app need not call it. Endpoints the app configures
/// besides are served too.
/// </summary>
internal sealed class InheritedSocketsKestrelSetup(InheritedSockets sockets) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        foreach (int descriptor in sockets.Descriptors)
        {
            options.ListenHandle((ulong)descriptor);
        }
    }
}
