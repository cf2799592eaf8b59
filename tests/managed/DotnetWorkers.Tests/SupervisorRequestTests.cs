using NUnit.Framework;

namespace DotnetWorkers.Tests;

/// <summary>Stopping and restarting workers where that cannot be done: the requests are refused before anything is sent.</summary>
public class SupervisorRequestTests : ClusterOfOneTest
{
    [Test]
    public void InAClusterOfOne_StopAndRestart_SayThereIsNoLauncher()
    {
        var stop = Assert.ThrowsAsync<InvalidOperationException>(() => Cluster.Runtime.Supervisor.StopWorkerAsync(1, default));
        Assert.That(stop!.Message, Does.Contain("no launcher").And.Contain("dotnet-workers"));
        Assert.ThrowsAsync<InvalidOperationException>(() => Cluster.Runtime.Supervisor.RestartWorkerAsync(1, default));
    }

    [Test]
    public void TheHeapPublisher_WritesThisProcesssManagedHeapWhereTheTableIsRead()
    {
        // Published by the lifetime thread's first pass, right after bind, then once a second.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Cluster.Runtime.Region.ReadProcess(0)!.GcHeapBytes is not > 0 && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(10);
        }

        Assert.That(Cluster.Runtime.Region.ReadProcess(0)!.GcHeapBytes, Is.GreaterThan(0));
        Assert.That(Cluster.Runtime.ReadWorkers().Single().MemoryBytes, Is.GreaterThan(0), "RSS from /proc");
        Assert.That(Cluster.Runtime.ReadWorkers().Single().CpuTime, Is.GreaterThan(TimeSpan.Zero));
    }
}
