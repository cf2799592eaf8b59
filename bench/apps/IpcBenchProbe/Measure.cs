using System.Diagnostics;
using System.Globalization;

/// <summary>Round-trip figures, the same way for every transport.</summary>
internal static class Measure
{
    internal static void Say(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"figure {name} {value:F3}"));

    /// <summary>
    /// Latency (median and p99 of single calls, in µs), sequential throughput and throughput
    /// with 64 calls in flight (calls/s), each after a warm-up.
    /// </summary>
    internal static async Task RoundTrips<T>(string name, Func<Task<T>> call, int milliseconds)
    {
        for (int i = 0; i < 2000; i++)
        {
            await call();
        }

        var samples = new List<long>(1 << 20);
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < milliseconds)
        {
            long start = Stopwatch.GetTimestamp();
            await call();
            samples.Add(Stopwatch.GetTimestamp() - start);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        samples.Sort();
        double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
        Say($"{name}.latency-median-us", Micros(samples[samples.Count / 2]));
        Say($"{name}.latency-p99-us", Micros(samples[(int)(samples.Count * 0.99)]));
        Say($"{name}.sequential-calls-per-s", samples.Count / seconds);

        long completed = 0;
        clock.Restart();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            await Task.Yield();
            while (clock.ElapsedMilliseconds < milliseconds)
            {
                await call();
                Interlocked.Increment(ref completed);
            }
        }));
        Say($"{name}.64-in-flight-calls-per-s", completed / clock.Elapsed.TotalSeconds);
    }
}
