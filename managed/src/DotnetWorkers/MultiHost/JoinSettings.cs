namespace DotnetWorkers.MultiHost;

/// <summary>
/// What the launcher's <c>--join redis://HOST:PORT/NAME</c> hands to every process: the server,
/// the cluster's name on it, and this launcher's instance id. The password is never on a
/// command line: it comes from the file <c>--join-password-file</c> names, or from
/// <c>DOTNET_WORKERS_REDIS_PASSWORD</c>.
/// </summary>
internal sealed record JoinSettings(string Url, bool Tls, string Host, int Port, string Name, string? Password, string HostInstanceId)
{
    internal const string UrlVariable = "DOTNET_WORKERS_JOIN";
    internal const string HostVariable = "DOTNET_WORKERS_JOIN_HOST";
    internal const string PasswordFileVariable = "DOTNET_WORKERS_JOIN_PASSWORD_FILE";
    internal const string PasswordVariable = "DOTNET_WORKERS_REDIS_PASSWORD";

    /// <summary>The settings the launcher gave this process, or null when it was not started with <c>--join</c>.</summary>
    /// <exception cref="DotnetWorkersException">The variables are there but malformed (not the launcher's), or the password file cannot be read.</exception>
    internal static JoinSettings? FromEnvironment(Func<string, string?> getVariable)
    {
        string? url = getVariable(UrlVariable);
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        // The launcher wrote it normalized: redis[s]://HOST:PORT/NAME, an IPv6 host in brackets.
        bool tls = url.StartsWith("rediss://", StringComparison.Ordinal);
        string rest = url[(tls ? "rediss://" : "redis://").Length..];
        int slash = rest.IndexOf('/');
        int colon = slash < 0 ? -1 : rest.LastIndexOf(':', slash);
        if (!url.StartsWith("redis", StringComparison.Ordinal) || colon <= 0 ||
            !int.TryParse(rest.AsSpan(colon + 1, slash - colon - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port))
        {
            throw new DotnetWorkersException($"{UrlVariable}='{url}' is not the launcher's redis://HOST:PORT/NAME.");
        }

        string host = rest[..colon].Trim('[', ']');
        string name = rest[(slash + 1)..];
        string instance = getVariable(HostVariable) is { Length: > 0 } given ? given : $"{Environment.MachineName}:{Environment.ProcessId}";
        return new JoinSettings(url, tls, host, port, name, ReadPassword(getVariable), instance);
    }

    private static string? ReadPassword(Func<string, string?> getVariable)
    {
        if (getVariable(PasswordFileVariable) is { Length: > 0 } file)
        {
            try
            {
                using var reader = new StreamReader(file);
                return reader.ReadLine()?.TrimEnd();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DotnetWorkersException($"--join-password-file {file}: cannot read it ({e.Message}).", e);
            }
        }

        return getVariable(PasswordVariable) is { Length: > 0 } password ? password : null;
    }

    /// <summary>Never shows the password: these settings end up in messages.</summary>
    public override string ToString() => Url;
}
