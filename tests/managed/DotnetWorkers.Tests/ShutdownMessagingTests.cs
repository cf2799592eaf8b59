using DotnetWorkers.Native;
using DotnetWorkers.Queues;
using DotnetWorkers.Region;

namespace DotnetWorkers.Tests;

/// <summary>
/// Messaging keeps working once the cluster shuts down (an app drains its work then), in one
/// process; across processes, the launcher tests cover it.
/// </summary>
public class ShutdownMessagingTests : ClusterOfOneTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private void ShutDownTheCluster()
    {
        CancellationToken token = Cluster.Runtime.Lifetime.ShutdownToken;
        NativeErrors.ThrowIfFailed(NativeMethods.ShutdownRequest(Cluster.Runtime.Region.Handle, RegionLayout.ReasonRequested), "request");
        Assert.That(token.WaitHandle.WaitOne(Bound), Is.True, "the token fired");
        Assert.That(Cluster.Runtime.Lifetime.WaitForLifetimeEnd(Bound), Is.True);
    }

    [Test]
    public async Task Rpc_IsAnswered_AfterTheShutdownTokenFired()
    {
        using IDisposable serving = Cluster.Serve<ICalculator>(new Calculator());
        ShutDownTheCluster();

        int sum = await Cluster.Proxy<ICalculator>().AddAsync(2, 3).WaitAsync(Bound);

        Assert.That(sum, Is.EqualTo(5));
    }

    [Test]
    public async Task AWaitingQueueReader_IsWokenByAWrite_AfterTheShutdownTokenFired()
    {
        SharedQueue<int> queue = Cluster.Queues.Open<int>("late", capacity: 4);
        ShutDownTheCluster();
        ValueTask<int> read = queue.ReadAsync();
        await Task.Delay(100);  // past the reader's spin: it waits on the doorbell now
        Assert.That(read.IsCompleted, Is.False);

        Assert.That(queue.TryWrite(42), Is.True);

        Assert.That(await read.AsTask().WaitAsync(Bound), Is.EqualTo(42));
    }

    [Test]
    public void ShutdownTokenCallbacks_RunOffThePumpThread_SoTheyMayWaitForMessages()
    {
        // A callback that waits synchronously for an answer would deadlock if it ran on the
        // thread that pumps the inbox.
        using IDisposable serving = Cluster.Serve<ICalculator>(new Calculator());
        ICalculator calculator = Cluster.Proxy<ICalculator>();
        int answered = 0;
        using CancellationTokenRegistration registration = Cluster.Runtime.Lifetime.ShutdownToken.Register(
            () => answered = calculator.AddAsync(20, 22).Wait(Bound) ? 42 : -1);

        ShutDownTheCluster();

        Assert.That(() => Volatile.Read(ref answered), Is.EqualTo(42).After((int)Bound.TotalMilliseconds, 10));
    }
}
