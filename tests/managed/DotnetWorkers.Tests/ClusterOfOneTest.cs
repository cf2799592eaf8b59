namespace DotnetWorkers.Tests;

/// <summary>A test class whose every test runs in a fresh cluster of one, released after it.</summary>
public abstract class ClusterOfOneTest
{
    private TestCluster? _cluster;

    /// <summary>This test's cluster.</summary>
    private protected TestCluster Cluster => _cluster ?? throw new InvalidOperationException("No test is running.");

    [SetUp]
    public void CreateCluster() => _cluster = new TestCluster();

    [TearDown]
    public void DisposeCluster()
    {
        _cluster?.Dispose();
        _cluster = null;
    }
}
