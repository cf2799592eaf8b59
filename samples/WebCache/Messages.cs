using System.Text.Json.Serialization;
using MemoryPack;

namespace WebCache;

/// <summary>The expensive result, computed once per cluster and kept in the store.</summary>
[MemoryPackable]
public sealed partial record Report(long Below, long Primes, int ComputedBy, DateTime ComputedAt);

/// <summary>A job for the jobs role, sent through the shared queue.</summary>
[MemoryPackable]
public sealed partial record Job(long Id, int Digits);

/// <summary>What the jobs role stored for a job.</summary>
[MemoryPackable]
public sealed partial record JobResult(long Id, string Sha256, int DoneBy);

/// <summary>Requests served in all, and by each process (by worker id).</summary>
public sealed record Hits(long Total, Dictionary<string, long> ByWorker);

/// <summary>The answer to a job's submission.</summary>
public sealed record JobAccepted(long Id, string Location);

/// <summary>System.Text.Json's generated serializers for the responses: no reflection.</summary>
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(JobResult))]
[JsonSerializable(typeof(JobAccepted))]
[JsonSerializable(typeof(Hits))]
internal sealed partial class WebCacheJson : JsonSerializerContext;
