// The launcher tests' scenarios about typed values and queues used as Channels (see
// Program.cs for how a scenario runs and reports).
using DotnetWorkers;
using DotnetWorkers.Events;
using DotnetWorkers.Queues;

internal static class TypedScenarios
{
    /// <summary>A queue, a stored value and a topic made by worker 1, used by the primary as another type and as their own.</summary>
    internal static async Task<int> TypesAsync(int everyone, CancellationToken token)
    {
        // Worker 1 creates a queue of strings, a record in the store and a topic of
        // strings; the primary then uses each as another type, and as its own.
        if (!Cluster.IsPrimary)
        {
            SharedQueue<string> names = Cluster.Queues.Open<string>("typed-names");
            Cluster.Store.Set("typed-config", new ProbeConfig("eu", 3));
            using EventSubscription<string> news = Cluster.Events.Subscribe<string>("typed-news");
            Cluster.Store.Set("typed-ready", 1L);
            while (!Cluster.Store.ContainsKey("typed-finished") && !token.IsCancellationRequested)
            {
                await Task.Delay(5);
            }

            return 0;
        }

        while (!Cluster.Store.ContainsKey("typed-ready") && !token.IsCancellationRequested)
        {
            await Task.Delay(5);
        }

        Say($"types queue={Mismatch(() => Cluster.Queues.Open<int>("typed-names"))}");
        Say($"types store={Mismatch(() => Cluster.Store.Get<int>("typed-config"))}");
        Say($"types topic={Mismatch(() => Cluster.Events.PublishAsync("typed-news", 42).AsTask().GetAwaiter().GetResult())}");
        ProbeConfig config = Cluster.Store.Get<ProbeConfig>("typed-config");
        int sent = await Cluster.Events.PublishAsync("typed-news", "hello", token);
        Say($"types own config={config.Region}/{config.Replicas} sent={sent}");
        Cluster.Store.Set("typed-finished", 1L);
        return 0;
    }

    /// <summary>Batches through the ChannelWriter of a queue, read through its ChannelReader, completed with an error.</summary>
    internal static async Task<int> ChannelBatchAsync(string[] args, CancellationToken token)
    {
        // Worker 1 writes numbered items through the ChannelWriter in batches, then
        // completes the queue with an error; the primary reads them through the
        // ChannelReader, in batches and one by one, and sees the error at the end.
        int total = int.Parse(args[1]);
        SharedQueue<long> queue = Cluster.Queues.Open<long>("batched", capacity: 256);
        if (!Cluster.IsPrimary)
        {
            System.Threading.Channels.ChannelWriter<long> writer = queue.Writer;
            long[] batch = new long[SharedQueue<long>.MaxBatch];
            for (int sent = 0; sent < total;)
            {
                int n = Math.Min(batch.Length, total - sent);
                for (int i = 0; i < n; i++)
                {
                    batch[i] = sent + i;
                }

                int written = queue.TryWriteMany(batch.AsSpan(0, n));
                sent += written;
                if (written == 0 && !await writer.WaitToWriteAsync(token))
                {
                    break;
                }
            }

            Say($"channel-batch writer completed={writer.TryComplete(new InvalidOperationException("the writer gave up"))}");
            return 0;
        }

        System.Threading.Channels.ChannelReader<long> reader = queue.Reader;
        long expected = 0;
        bool ordered = true;
        long[] taken = new long[SharedQueue<long>.MaxBatch];
        while (expected < total / 2)
        {
            int n = queue.TryReadMany(taken);
            for (int i = 0; i < n; i++)
            {
                ordered &= taken[i] == expected++;
            }

            if (n == 0 && !await reader.WaitToReadAsync(token))
            {
                break;
            }
        }

        string ending = "none";
        try
        {
            await foreach (long item in reader.ReadAllAsync(token))
            {
                ordered &= item == expected++;
            }
        }
        catch (RemoteException e)
        {
            ending = $"{e.RemoteTypeName}:{e.Message.Replace(' ', '_')}";
        }

        string completion;
        try
        {
            await reader.Completion.WaitAsync(token);
            completion = "ok";
        }
        catch (RemoteException e)
        {
            completion = $"{e.RemoteTypeName}";
        }

        Say($"channel-batch received={expected} ordered={ordered} ending={ending} completion={completion}");
        return 0;
    }

    /// <summary>What using something as another type than it holds throws: the exception's type and both type names.</summary>
    private static string Mismatch(Action use)
    {
        try
        {
            use();
            return "none";
        }
        catch (SharedTypeMismatchException e)
        {
            return $"{nameof(SharedTypeMismatchException)}:asked={e.RequestedType.Name}:stored={e.StoredTypeName}";
        }
    }

    private static void Say(string line) => Program.Say(line);
}
