using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace DotnetWorkers.Hosting;

/// <summary>
/// Kestrel listens on the sockets the launcher handed over, as Kestrel's own
/// <c>UseSystemd()</c> would: the app need not call it. As with any endpoint set in code,
/// Kestrel then ignores <c>--urls</c> and <c>ASPNETCORE_URLS</c> (and says so in its log);
/// endpoints the app adds in code or in the <c>Kestrel:Endpoints</c> configuration are served too.
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
