// The dashboard of `dotnet-workers app.dll --http [HOST:]PORT`: the launcher runs it as one
// more process of the cluster (role 'dashboard', never the app), on the socket it bound
// before any process started, so the port answers as long as the cluster runs: the
// launcher keeps the socket while it revives this process, and connections wait for it.
// Bound to the region like any process, it reads what `ps` and `inspect` show and opens the
// shared documents as any process does.
using DotnetWorkers;
using DotnetWorkers.Dashboard;
using DotnetWorkers.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
builder.UseDotnetWorkers();
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
var app = builder.Build();

DashboardSettings settings = DashboardSettings.FromEnvironment();
app.Use(settings.Authorize);
var api = new DashboardApi(Cluster.Runtime, settings);
api.Map(app);
app.Run();
