namespace DotnetWorkers.Cli;

/// <summary>top NAME|PID: the ps table, redrawn every second until q, Ctrl-C, or the cluster ends (pm2 monit).</summary>
internal static class TopScreen
{
    internal static int Run(string nameOrPid, TimeSpan refresh)
    {
        using ClusterView view = Commands.Open(nameOrPid);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;  // leave the screen tidy, then exit 0
            stop.Cancel();
        };

        bool interactive = !Console.IsInputRedirected;
        view.Read();
        try
        {
            Console.Write("\u001b[?25l");  // hide the cursor while redrawing
            while (!stop.IsCancellationRequested)
            {
                List<ProcessRow> rows = view.Read();
                string table = Commands.ProcessTable(rows);
                Console.Write("\u001b[H\u001b[2J");  // home, clear
                Console.Write($"dotnet-workers top: '{view.Cluster.Name}' (launcher pid {view.Cluster.Pid}, {view.Cluster.App}), every {refresh.TotalSeconds:0.#}s; q quits\n\n{table}");
                if (!File.Exists($"/proc/{view.Cluster.Pid}/comm"))
                {
                    Console.WriteLine("\nThe cluster has ended.");
                    return 0;
                }

                if (WaitForQuit(interactive, refresh, stop.Token))
                {
                    return 0;
                }
            }

            return 0;
        }
        finally
        {
            Console.Write("\u001b[?25h\n");
        }
    }

    /// <summary>Waits one refresh period; true if q was pressed.</summary>
    private static bool WaitForQuit(bool interactive, TimeSpan refresh, CancellationToken stop)
    {
        DateTime until = DateTime.UtcNow + refresh;
        while (DateTime.UtcNow < until && !stop.IsCancellationRequested)
        {
            if (interactive && Console.KeyAvailable && Console.ReadKey(intercept: true).KeyChar is 'q' or 'Q')
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return false;
    }
}
