using System.Runtime.CompilerServices;
using System.Text;

namespace DotnetWorkers.Store;

/// <summary>
/// Turns a key or name into the UTF-8 bytes the native side takes, in a caller-provided
/// buffer (usually on the stack): no allocation per call.
/// </summary>
internal static class Utf8Name
{
    internal const int MaxKeyBytes = 1024;
    internal const int MaxNameBytes = 128;

    /// <summary>The UTF-8 bytes of <paramref name="key"/>; throws the documented argument exceptions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> Encode(string? key, Span<byte> buffer, string what, string parameterName)
    {
        if (string.IsNullOrEmpty(key))
        {
            ThrowEmpty(key, what, parameterName);
        }

        if (!Encoding.UTF8.TryGetBytes(key!, buffer, out int written))
        {
            ThrowTooLong(key!, what, buffer.Length, parameterName);
        }

        return buffer[..written];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowEmpty(string? key, string what, string parameterName)
    {
        if (key is null)
        {
            throw new ArgumentNullException(parameterName, $"A {what} must not be null.");
        }

        throw new ArgumentException($"A {what} must not be empty.", parameterName);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooLong(string key, string what, int max, string parameterName) =>
        throw new ArgumentException(
            $"A {what} is at most {max} bytes of UTF-8; this one is {Encoding.UTF8.GetByteCount(key)} ('{key[..Math.Min(key.Length, 40)]}...').",
            parameterName);
}
