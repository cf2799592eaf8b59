using System.Text.Json.Serialization;
using MemoryPack;

namespace DwWeb;

/// <summary>The expensive result: the primes below 2,000,000, counted once per cluster.</summary>
[MemoryPackable]
public sealed partial record Report(long Primes, int ComputedBy, DateTime ComputedAt)
{
    public static Report Compute(int workerId)
    {
        const int Below = 2_000_000;
        var composite = new bool[Below];
        long count = 0;
        for (long i = 2; i < Below; i++)
        {
            if (composite[i])
            {
                continue;
            }

            count++;
            for (long j = i * i; j < Below; j += i)
            {
                composite[j] = true;
            }
        }

        return new Report(count, workerId, DateTime.UtcNow);
    }
}

/// <summary>A job for the jobs role, sent through the shared queue.</summary>
[MemoryPackable]
public sealed partial record Job(long Id);

/// <summary>What the jobs role stored for a job.</summary>
[MemoryPackable]
public sealed partial record JobResult(long Id, int DoneBy);

/// <summary>System.Text.Json's generated serializers for the responses.</summary>
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(JobResult))]
internal sealed partial class AppJson : JsonSerializerContext;
