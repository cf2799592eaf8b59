namespace DotnetWorkers.LauncherTests;

/// <summary>Where the build put the launcher and the apps it runs (./build.sh).</summary>
internal static class Paths
{
    internal static string RepoRoot { get; } = FindRepoRoot();

    internal static string Launcher => Path.Combine(RepoRoot, "artifacts", "bin", "dotnet-workers");

    internal static string Probe => Path.Combine(RepoRoot, "artifacts", "testapps", "ClusterProbe", "ClusterProbe.dll");

    internal static string IpcProbe => Path.Combine(RepoRoot, "artifacts", "testapps", "IpcProbe", "IpcProbe.dll");

    internal static string Sample(string name) => Path.Combine(RepoRoot, "artifacts", "samples", name, name + ".dll");

    /// <summary>An app published with PublishAot by ./build.sh test: a native executable, no .dll.</summary>
    internal static string NativeAot(string name) => Path.Combine(RepoRoot, "artifacts", "aot", name, name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")) && Directory.Exists(Path.Combine(dir.FullName, "host")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }
}
