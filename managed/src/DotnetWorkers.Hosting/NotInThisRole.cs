using Microsoft.Extensions.Hosting;

namespace DotnetWorkers.Hosting;

/// <summary>
/// What <c>AddWorkerService&lt;T&gt;(role:)</c> registers in the processes of other roles:
/// nothing runs, and <c>T</c> is never created. In its role the host gets <c>T</c> itself, so
/// a <see cref="BackgroundService"/> that fails is seen and handled by the host as any other.
/// </summary>
internal sealed class NotInThisRole : IHostedService
{
    public static readonly NotInThisRole Instance = new();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
