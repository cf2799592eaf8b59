namespace DotnetWorkers;

/// <summary>
/// A <c>GetOrSetAsync</c> factory failed in the process that ran it; this caller waited for
/// that computation. The failure's type, message and stack trace travel with it. (The
/// process that ran the factory gets the original exception.) A later call computes again.
/// </summary>
public sealed class SharedComputationException : DotnetWorkersException
{
    private const char Separator = '\u001e'; // record separator: not in type names, rare in messages

    /// <summary>Creates the exception.</summary>
    public SharedComputationException(string key, string remoteType, string remoteMessage, string? remoteStackTrace)
        : base($"Computing '{key}' failed in another process: {remoteType}: {remoteMessage}")
    {
        Key = key;
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The key whose value was being computed.</summary>
    public string Key { get; }

    /// <summary>The full name of the exception the factory threw.</summary>
    public string RemoteType { get; }

    /// <summary>Its message.</summary>
    public string RemoteMessage { get; }

    /// <summary>Its stack trace, in the process that ran the factory.</summary>
    public string? RemoteStackTrace { get; }

    internal static string ToText(Exception e) =>
        $"{e.GetType().FullName}{Separator}{e.Message}{Separator}{e.StackTrace}";

    internal static SharedComputationException FromText(string key, string text)
    {
        string[] parts = text.Split(Separator, 3);
        return new SharedComputationException(
            key,
            parts[0],
            parts.Length > 1 ? parts[1] : string.Empty,
            parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null);
    }
}
