namespace DotnetWorkers;

/// <summary>
/// The shared region was laid out by a different build than this library: the
/// <c>dotnet-workers</c> launcher and the app's <c>DotnetWorkers</c> package come from
/// different releases. Nothing was read or written; update one to match the other.
/// </summary>
public sealed class RegionMismatchException : DotnetWorkersException
{
    /// <summary>Creates the exception with a message.</summary>
    public RegionMismatchException(string message) : base(message)
    {
    }
}
