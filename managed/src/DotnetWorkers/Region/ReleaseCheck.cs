namespace DotnetWorkers.Region;

/// <summary>
/// The launcher and the library come from one release: the launcher names its version in
/// every process's environment (DOTNET_WORKERS_VERSION), and a library of another version
/// refuses to bind (it has written nothing yet), saying what to do about it. This library's
/// version, <c>LibraryVersion</c>, is a constant the project writes from the VERSION file.
/// </summary>
internal static partial class ReleaseCheck
{
    /// <exception cref="RegionMismatchException"><paramref name="launcherVersion"/> is not <paramref name="libraryVersion"/>.</exception>
    internal static void ThrowIfOther(string? launcherVersion, string libraryVersion)
    {
        // A launcher from before this check names no version: the region layout check still guards it.
        if (string.IsNullOrEmpty(launcherVersion) || launcherVersion == libraryVersion)
        {
            return;
        }

        throw new RegionMismatchException(
            $"This app uses DotnetWorkers {libraryVersion} and was started by dotnet-workers {launcherVersion}: they must be one release. " +
            $"Update both (dotnet tool update --global dotnet-workers, and the app's DotnetWorkers package references) to the same version.");
    }
}
