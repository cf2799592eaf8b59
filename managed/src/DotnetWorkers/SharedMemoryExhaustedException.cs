using System.Globalization;
using System.Text.RegularExpressions;

namespace DotnetWorkers;

/// <summary>
/// The shared region has no room for what was asked. Nothing was written; the cluster goes
/// on, and freeing values or buffers makes room again. Start the cluster with a larger
/// <c>--memory</c> if this is the normal load.
/// </summary>
public sealed partial class SharedMemoryExhaustedException : DotnetWorkersException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="requestedBytes">The bytes the failed allocation asked for.</param>
    /// <param name="availableBytes">The bytes the region had left (in blocks of any size).</param>
    public SharedMemoryExhaustedException(string message, long requestedBytes, long availableBytes) : base(message)
    {
        RequestedBytes = requestedBytes;
        AvailableBytes = availableBytes;
    }

    /// <summary>The bytes the failed allocation asked for.</summary>
    public long RequestedBytes { get; }

    /// <summary>The bytes the region had left when it failed (possibly split across blocks of other sizes).</summary>
    public long AvailableBytes { get; }

    /// <summary>Reads the numbers out of the native message ("asked for N bytes, M bytes left").</summary>
    internal static SharedMemoryExhaustedException FromNative(string message, string detail)
    {
        Match asked = AskedPattern().Match(detail);
        Match left = LeftPattern().Match(detail);
        long requested = asked.Success ? long.Parse(asked.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : -1;
        long available = left.Success ? long.Parse(left.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : -1;
        return new SharedMemoryExhaustedException(message, requested, available);
    }

    [GeneratedRegex(@"asked for (\d+) bytes")]
    private static partial Regex AskedPattern();

    [GeneratedRegex(@"(\d+) bytes left")]
    private static partial Regex LeftPattern();
}
