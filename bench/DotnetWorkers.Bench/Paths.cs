namespace DotnetWorkers.Bench;

internal static class Paths
{
    /// <summary>The artifacts folder this runner was built into (artifacts/bench/runner/).</summary>
    internal static string Artifacts { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", ".."));
}
