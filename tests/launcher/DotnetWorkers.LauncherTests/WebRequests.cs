using System.Net;
using System.Net.Sockets;

namespace DotnetWorkers.LauncherTests;

/// <summary>HTTP against WebProbe clusters: one request per connection (each new connection may land on another process).</summary>
internal static class WebRequests
{
    internal static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(5);

    internal static string WebProbe => Path.Combine(Paths.RepoRoot, "artifacts", "testapps", "WebProbe", "WebProbe.dll");

    /// <summary>A loopback port nobody listens on right now.</summary>
    internal static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>One request on a connection of its own: the body.</summary>
    internal static async Task<string> GetAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        using var cancel = new CancellationTokenSource(RequestBound);
        using HttpResponseMessage response = await client.SendAsync(request, cancel.Token);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancel.Token);
    }

    /// <summary>Requests until every id in <paramref name="ids"/> has answered (at most 400): who answered how often.</summary>
    internal static async Task<Dictionary<string, int>> UntilAllAnswerAsync(HttpClient client, string url, IEnumerable<string> ids)
    {
        var seen = new Dictionary<string, int>();
        var wanted = ids.ToHashSet();
        for (int i = 0; i < 400 && !wanted.IsSubsetOf(seen.Keys); i++)
        {
            string id = (await GetAsync(client, url)).Split(' ')[0];
            seen[id] = seen.GetValueOrDefault(id) + 1;
        }

        return seen;
    }

    /// <summary>The pids that answered as process <paramref name="ids"/>, from "/" ("ID ROLE PID").</summary>
    internal static async Task<Dictionary<string, int>> PidsOfAsync(HttpClient client, string url, IEnumerable<string> ids)
    {
        var pids = new Dictionary<string, int>();
        var wanted = ids.ToHashSet();
        for (int i = 0; i < 400 && !wanted.IsSubsetOf(pids.Keys); i++)
        {
            string[] fields = (await GetAsync(client, url)).Split(' ');
            pids[fields[0]] = int.Parse(fields[2]);
        }

        Assert.That(pids.Keys, Is.SupersetOf(wanted), "every process answered");
        return pids;
    }

    /// <summary>
    /// Clients sending one request per connection, one after the other each, until stopped:
    /// what every request got (a status code, or the exception's type).
    /// </summary>
    internal sealed class Load : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _clients;
        private readonly HttpClient _client = new();
        private readonly List<string> _failures = [];
        private int _served;

        internal Load(string url, int clients)
        {
            _clients = [.. Enumerable.Range(0, clients).Select(_ => Task.Run(() => RunAsync(url)))];
        }

        internal int Served => Volatile.Read(ref _served);

        internal IReadOnlyList<string> Failures
        {
            get
            {
                lock (_failures)
                {
                    return [.. _failures];
                }
            }
        }

        private async Task RunAsync(string url)
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await GetAsync(_client, url);
                    Interlocked.Increment(ref _served);
                }
                catch (Exception e)
                {
                    lock (_failures)
                    {
                        _failures.Add($"{e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }

        /// <summary>Stops the clients once their requests in flight are answered (bounded).</summary>
        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await Task.WhenAll(_clients).WaitAsync(TimeSpan.FromSeconds(10));
            _client.Dispose();
            _stop.Dispose();
        }
    }
}
