// dotnet-workers ps | top | inspect | stop | restart | reload: the CLI for running clusters. The
// launcher runs it when its first argument is one of these verbs. Every verb takes --json.
using System.CommandLine;
using DotnetWorkers.Cli;

var json = new Option<bool>("--json") { Description = "Write JSON for scripts instead of a table.", Recursive = true };
var wait = Wait(60);

Option<TimeSpan> Wait(int defaultSeconds) => new("--wait")
{
    Description = $"How long to wait for the outcome (default {defaultSeconds}s).",
    DefaultValueFactory = _ => TimeSpan.FromSeconds(defaultSeconds),
    CustomParser = result =>
    {
        // Seconds, as the launcher's own durations read: "30" and "30s"; then "2m".
        string text = result.Tokens.Single().Value;
        if (int.TryParse(text.EndsWith('s') ? text[..^1] : text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (text.EndsWith('m') && int.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int minutes))
        {
            return TimeSpan.FromMinutes(minutes);
        }

        result.AddError($"invalid --wait '{text}': expected seconds such as 30 or 30s, or minutes such as 2m");
        return default;
    },
};

Argument<string> Cluster(bool optional = false) => new("cluster")
{
    Description = "The cluster: its name (--name, or the app's) or its launcher's pid.",
    Arity = optional ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
};

var psCluster = Cluster(optional: true);
var ps = new Command("ps", "List this user's running clusters, or one cluster's processes.") { psCluster };
ps.SetAction(parse => Guard(() => parse.GetValue(psCluster) is { } name
    ? Commands.ShowCluster(name, parse.GetValue(json))
    : Commands.ListClusters(parse.GetValue(json))));

var topCluster = Cluster();
var top = new Command("top", "Show one cluster's processes live, refreshed every second, until q or Ctrl-C.") { topCluster };
top.SetAction(parse => Guard(() => TopScreen.Run(parse.GetValue(topCluster)!, TimeSpan.FromSeconds(1))));

var inspectCluster = Cluster();
var prefix = new Option<string>("--prefix") { Description = "Only store keys that start with this.", DefaultValueFactory = _ => "" };
var inspect = new Command("inspect", "List a cluster's store keys, buffers, locks, queues and services.") { inspectCluster, prefix };
inspect.SetAction(parse => Guard(() => Inspection.Run(parse.GetValue(inspectCluster)!, parse.GetValue(prefix)!, parse.GetValue(json))));

var stopCluster = Cluster();
var stop = new Command("stop", "Shut a cluster down gracefully (as Ctrl-C would) and wait for it to end.") { stopCluster, wait };
stop.SetAction(parse => Guard(() => Commands.Stop(parse.GetValue(stopCluster)!, parse.GetValue(wait), parse.GetValue(json))));

var restartCluster = Cluster();
var restartId = new Argument<int>("id") { Description = "The worker to restart (1..N)." };
var restart = new Command("restart", "Restart one worker gracefully (same id and role, a new process) and wait until it runs.") { restartCluster, restartId, wait };
restart.SetAction(parse => Guard(() => Commands.Restart(parse.GetValue(restartCluster)!, parse.GetValue(restartId), parse.GetValue(wait), parse.GetValue(json))));

var reloadCluster = Cluster();
var reloadRole = new Option<string?>("--role") { Description = "Only the workers of this role." };
var reloadWait = Wait(600);
var reload = new Command("reload", "Replace every worker (or a role's) one at a time, each new process ready before its old one stops, and wait until done.") { reloadCluster, reloadRole, reloadWait };
reload.SetAction(parse => Guard(() => Commands.Reload(parse.GetValue(reloadCluster)!, parse.GetValue(reloadRole), parse.GetValue(reloadWait), parse.GetValue(json))));

var root = new RootCommand("dotnet-workers: run a .NET app as a cluster of processes (dotnet-workers [options] app.dll), and look after running clusters.")
{
    json, ps, top, inspect, stop, restart, reload,
};
return root.Parse(args).Invoke();

static int Guard(Func<int> verb)
{
    try
    {
        return verb();
    }
    catch (CliException e)
    {
        Console.Error.WriteLine($"dotnet-workers: error: {e.Message}");
        return 1;
    }
    catch (DotnetWorkers.DotnetWorkersException e)
    {
        Console.Error.WriteLine($"dotnet-workers: error: {e.Message}");
        return 1;
    }
}
