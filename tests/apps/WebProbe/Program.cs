// A plain ASP.NET Core app that knows nothing of dotnet-workers, made for systemd: Kestrel
// serves the sockets its socket activation hands over (UseSystemd), the host reports
// readiness (AddSystemd), and "/" says which process answered.
// What it reads of the cluster comes from the environment the launcher sets.
using Microsoft.AspNetCore.Hosting;

string id = Environment.GetEnvironmentVariable("DOTNET_WORKERS_ID") ?? "-";
string role = Environment.GetEnvironmentVariable("DOTNET_WORKERS_ROLE") ?? "-";

// Tests: a process started while this file exists fails at once (a broken deploy).
if (Environment.GetEnvironmentVariable("WEBPROBE_FAIL_IF_EXISTS") is { } broken && File.Exists(broken))
{
    Console.Error.WriteLine($"webprobe {id}: {broken} exists: failing");
    return 3;
}

if (Environment.GetEnvironmentVariable("LISTEN_FDS") is null)
{
    // A process the sockets were not given to (--listen PORT=ROLE): it serves nothing and
    // runs until the cluster stops it.
    var idle = Host.CreateApplicationBuilder(args);
    idle.Logging.ClearProviders();
    using IHost host = idle.Build();
    host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.WriteLine($"no sockets {id} {role}"));
    host.Run();
    return 0;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.UseSystemd());
if (Environment.GetEnvironmentVariable("WEBPROBE_NO_READY") is null)
{
    builder.Services.AddSystemd();  // READY=1 to NOTIFY_SOCKET once started: what a reload waits for
}

var app = builder.Build();

app.MapGet("/", () => $"{id} {role} {Environment.ProcessId}");
app.MapGet("/slow", async () =>
{
    await Task.Delay(300);  // in flight while a reload stops this process
    return $"{id} {role} {Environment.ProcessId}";
});
app.MapGet("/gc", () => System.Runtime.GCSettings.IsServerGC ? "server" : "workstation");
app.MapGet("/cpus", () => Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
app.MapGet("/env/{name}", (string name) => Environment.GetEnvironmentVariable(name) ?? "(unset)");
app.MapGet("/fds", () => $"{Environment.GetEnvironmentVariable("LISTEN_FDS")} {Environment.GetEnvironmentVariable("LISTEN_FDNAMES")}");

// Ready when Kestrel listens: the tests wait for this line from every process.
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"serving {id} {role}"));
app.Run();
return 0;
