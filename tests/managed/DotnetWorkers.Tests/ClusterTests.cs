namespace DotnetWorkers.Tests;

/// <summary>
/// The public facade in a process the launcher did not start (the test host): a cluster
/// of one. Cross-process behaviour is covered by the launcher tests. (ShutdownToken is not
/// touched here: it would install signal handlers in the test host.)
/// </summary>
public class ClusterTests
{
    [Test]
    public void UnderTheTestHost_TheProcessIsTheStandalonePrimary()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Cluster.IsStandalone, Is.True);
            Assert.That(Cluster.IsPrimary, Is.True);
            Assert.That(Cluster.WorkerId, Is.Zero);
            Assert.That(Cluster.WorkerCount, Is.Zero);
            Assert.That(Cluster.Role, Is.EqualTo("primary"));
            Assert.That(Cluster.ProcessId, Is.EqualTo(Environment.ProcessId));
            Assert.That(Cluster.MemoryReserved, Is.EqualTo((long)ClusterRuntime.StandaloneRegionSize));
            Assert.That(Cluster.Workers.Select(w => (w.Id, w.ProcessId, w.Role, w.Status)),
                Is.EqualTo(new[] { (0, Environment.ProcessId, "primary", WorkerStatus.Running) }));
        });
    }
}
