using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace DotnetWorkers.Native;

/// <summary>Turns native status codes into specific exceptions.</summary>
internal static class NativeErrors
{
    /// <summary>Throws the exception for <paramref name="status"/> unless it is <see cref="DwStatus.Ok"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ThrowIfFailed(DwStatus status, string operation)
    {
        if (status != DwStatus.Ok)
        {
            Throw(status, operation);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(DwStatus status, string operation) => throw Create(status, operation);

    internal static Exception Create(DwStatus status, string operation)
    {
        string detail = NativeMethods.LastErrorMessage();
        string message = detail.Length == 0 ? $"{operation} failed ({status})." : $"{operation} failed: {detail}";
        return status switch
        {
            DwStatus.InvalidArgument => new ArgumentException(message),
            DwStatus.LayoutVersion or DwStatus.FormatWord => new RegionMismatchException(message),
            DwStatus.Timeout => new TimeoutException(message),
            DwStatus.Exhausted => SharedMemoryExhaustedException.FromNative(message, detail),
            DwStatus.NotACounter or DwStatus.Conflict or DwStatus.NotOwner => new InvalidOperationException(message),
            DwStatus.NotFound => new KeyNotFoundException(message),
            _ => new DotnetWorkersException(message),
        };
    }
}
