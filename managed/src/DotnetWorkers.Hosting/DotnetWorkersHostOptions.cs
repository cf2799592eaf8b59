namespace DotnetWorkers.Hosting;

/// <summary>How <c>AddDotnetWorkers()</c> ties the host to the cluster.</summary>
/// <remarks>
/// <see cref="HttpWithoutListen"/> and <see cref="AddLogScope"/> decide what is registered:
/// only the delegate passed to the first <c>AddDotnetWorkers(configure)</c> /
/// <c>UseDotnetWorkers(configure)</c> sets them. <see cref="SignalReadyWhenStarted"/> is read
/// at run time, from any <c>Configure&lt;DotnetWorkersHostOptions&gt;</c>.
/// </remarks>
public sealed class DotnetWorkersHostOptions
{
    /// <summary>
    /// In a cluster, a process the launcher gave no socket to (no <c>--listen</c>, or one for
    /// another role) runs its host with no HTTP server, and says so in one log line: N
    /// processes binding the app's own endpoints would collide on one port. True keeps the
    /// app's server and endpoints in such processes (each must then listen somewhere of its
    /// own). A cluster of one (<c>dotnet app.dll</c>) always keeps them. Default: false.
    /// </summary>
    public bool HttpWithoutListen { get; set; }

    /// <summary>
    /// Tells the launcher this process is ready (<see cref="Cluster.SignalReady"/>) once the
    /// host has started (Kestrel listens): what <c>dotnet-workers reload</c> waits for before
    /// it stops the process this one replaces. False: the app calls it itself. Default: true.
    /// </summary>
    public bool SignalReadyWhenStarted { get; set; } = true;

    /// <summary>
    /// Adds <c>WorkerId</c>, <c>Role</c> and <c>ProcessId</c> as the outermost scope of every
    /// <c>Microsoft.Extensions.Logging</c> message (providers show scopes when their
    /// <c>IncludeScopes</c> is on). Default: true.
    /// </summary>
    public bool AddLogScope { get; set; } = true;
}
