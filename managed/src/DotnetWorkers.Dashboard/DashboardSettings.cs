using System.Security.Cryptography;
using System.Text;

namespace DotnetWorkers.Dashboard;

/// <summary>What the launcher's --http-token and --http-write set for this process.</summary>
internal sealed class DashboardSettings(string? token, bool allowWrites)
{
    private readonly byte[]? _token = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

    /// <summary>PATCH /api/documents/{name} is allowed (--http-write).</summary>
    public bool AllowWrites { get; } = allowWrites;

    public static DashboardSettings FromEnvironment() => new(
        Environment.GetEnvironmentVariable("DOTNET_WORKERS_HTTP_TOKEN"),
        Environment.GetEnvironmentVariable("DOTNET_WORKERS_HTTP_WRITE") == "1");

    /// <summary>
    /// With a token, every request carries it: <c>Authorization: Bearer TOKEN</c>, or
    /// <c>?token=TOKEN</c> (a browser's page and its EventSource cannot set headers). Else 401.
    /// </summary>
    public async Task Authorize(HttpContext context, RequestDelegate next)
    {
        if (_token is null && !IsLoopbackHost(context.Request.Host.Host))
        {
            // Without a token the dashboard is on a loopback address; a page elsewhere that
            // rebinds its own name to 127.0.0.1 would reach it with its own name as the Host.
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new ErrorBody($"Without a token this dashboard answers requests for localhost only, not '{context.Request.Host}'.", null, null));
            return;
        }

        if (_token is null || Matches(context.Request))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await context.Response.WriteAsJsonAsync(new ErrorBody("This dashboard needs its token: Authorization: Bearer TOKEN, or ?token=TOKEN.", null, null));
    }

    internal static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out System.Net.IPAddress? address) && System.Net.IPAddress.IsLoopback(address));

    private bool Matches(HttpRequest request)
    {
        string given = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? header["Bearer ".Length..]
            : request.Query["token"].ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);
    }
}

/// <summary>What every error of the API returns: a message, and for a refused update MongoDB's error code name and the path.</summary>
internal sealed record ErrorBody(string Error, string? Code, string? Path);
