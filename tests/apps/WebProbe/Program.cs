// A plain ASP.NET Core app that knows nothing of dotnet-workers: Kestrel serves the
// sockets systemd's convention hands it (UseSystemd), and "/" says which process answered.
// What it reads of the cluster comes from the environment the launcher sets.
using Microsoft.AspNetCore.Hosting;

string id = Environment.GetEnvironmentVariable("DOTNET_WORKERS_ID") ?? "-";
string role = Environment.GetEnvironmentVariable("DOTNET_WORKERS_ROLE") ?? "-";

if (Environment.GetEnvironmentVariable("LISTEN_FDS") is null)
{
    // A process the sockets were not given to (--listen PORT=ROLE): it serves nothing and
    // runs until the cluster stops it.
    var idle = Host.CreateApplicationBuilder(args);
    idle.Logging.ClearProviders();
    using IHost host = idle.Build();
    host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.WriteLine($"no sockets {id} {role}"));
    host.Run();
    return;
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.UseSystemd());
var app = builder.Build();

app.MapGet("/", () => $"{id} {role} {Environment.ProcessId}");
app.MapGet("/gc", () => System.Runtime.GCSettings.IsServerGC ? "server" : "workstation");
app.MapGet("/fds", () => $"{Environment.GetEnvironmentVariable("LISTEN_FDS")} {Environment.GetEnvironmentVariable("LISTEN_FDNAMES")}");

// Ready when Kestrel listens: the tests wait for this line from every process.
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"serving {id} {role}"));
app.Run();
