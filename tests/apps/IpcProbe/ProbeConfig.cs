using MemoryPack;

/// <summary>A record the "types" scenario keeps in the store.</summary>
[MemoryPackable]
public sealed partial record ProbeConfig(string Region, int Replicas);
