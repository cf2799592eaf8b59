using System.Runtime.InteropServices;
using DotnetWorkers;
using DotnetWorkers.Queues;
using DotnetWorkers.Region;

/// <summary>What the probe does behind the library's back, to put the cluster in states that tests need.</summary>
static unsafe class ProbeInternals
{
    [DllImport("libc", EntryPoint = "pthread_mutex_lock")]
    private static extern int MutexLock(nint mutex);

    /// <summary>
    /// Takes the queue's write lock on a thread of its own that then sleeps for good (a robust
    /// mutex belongs to a thread: it stays held while that thread lives), as a process stopped
    /// inside a write would hold it. Returns once it is held.
    /// </summary>
    public static void LockQueueWriters<T>(SharedQueue<T> queue)
    {
        SharedRegion region = Cluster.Runtime.Region;
        ulong queues = region.ReadUInt64(RegionLayout.QueuesOffsetOffset);
        nint mutex = (nint)(region.Base + queues + (queue.Index * (ulong)RegionLayout.QueueEntrySize) + RegionLayout.QueueWriteMutexOffset);
        using var held = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            int rc = MutexLock(mutex);
            if (rc != 0)
            {
                Console.Error.WriteLine($"probe could not lock the queue: {rc}");
                Environment.Exit(5);
            }

            held.Set();
            Thread.Sleep(Timeout.Infinite);
        })
        { IsBackground = true, Name = "probe lock holder" };
        holder.Start();
        held.Wait();
    }
}
