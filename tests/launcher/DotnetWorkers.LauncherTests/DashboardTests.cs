using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace DotnetWorkers.LauncherTests;

/// <summary>
/// --http: the JSON API and the live dashboard, served by the launcher's dashboard process
/// of a real cluster (the probe's "document-serve": store keys, a queue, a held lock, and the
/// document "board", patched by the primary whenever the test writes a line to it).
/// </summary>
public class DashboardTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [OneTimeTearDown]
    public void Dispose() => _http.Dispose();

    private static (LauncherRun Run, string Url) Serve(params string[] options) => ServeApp(Paths.Probe, options);

    private static (LauncherRun Run, string Url) ServeApp(string probe, params string[] options)
    {
        int port = WebRequests.FreePort();
        var run = LauncherRun.StartWithStdin(["--workers=1", $"--http=127.0.0.1:{port}", .. options, probe, "document-serve"]);
        run.WaitForLines(l => l == "probe doc-serving", 1);
        return (run, $"http://127.0.0.1:{port}");
    }

    private async Task<HttpResponseMessage> UntilServedAsync(string url, Func<HttpResponseMessage, bool>? done = null)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            try
            {
                HttpResponseMessage response = await _http.GetAsync(url, bound.Token);
                if (done is null || done(response))
                {
                    return response;
                }

                response.Dispose();
            }
            catch (HttpRequestException) when (!bound.IsCancellationRequested)
            {
                // The dashboard process is still booting: the launcher's socket holds the connection... or refuses it until listen.
            }

            await Task.Delay(100, bound.Token);
        }
    }

    private static async Task<JsonNode> JsonOf(HttpResponseMessage response)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Test]
    public async Task EveryEndpoint_ServesTheClusterAsPsAndInspectSeeIt()
    {
        (LauncherRun run, string url) = Serve();
        using (run)
        {
            JsonArray workers = (await JsonOf(await UntilServedAsync(url + "/api/workers"))).AsArray();
            Assert.That(workers.Select(w => (string)w!["role"]!), Is.EquivalentTo(new[] { "primary", "worker", "dashboard" }));
            Assert.That(workers.All(w => (int)w!["pid"]! > 0 && w["memoryBytes"] is not null), workers.ToJsonString());

            JsonArray store = (await JsonOf(await _http.GetAsync(url + "/api/store"))).AsArray();
            Assert.That(store.Single(k => (string)k!["key"]! == "greeting")!["value"]!.GetValue<string>(), Is.EqualTo("hello"));
            Assert.That(store.Single(k => (string)k!["key"]! == "visits")!["value"]!.GetValue<long>(), Is.EqualTo(42));
            Assert.That(store.Any(k => ((string)k!["key"]!).StartsWith("dw.", StringComparison.Ordinal)), Is.False, "the library's own keys only with ?all=true");
            JsonArray prefixed = (await JsonOf(await _http.GetAsync(url + "/api/store?prefix=vis"))).AsArray();
            Assert.That(prefixed.Select(k => (string)k!["key"]!), Is.EqualTo(new[] { "visits" }));

            JsonArray queues = (await JsonOf(await _http.GetAsync(url + "/api/queues"))).AsArray();
            Assert.That(queues.Single(q => (string)q!["name"]! == "work")!["depth"]!.GetValue<long>(), Is.EqualTo(1));
            JsonArray locks = (await JsonOf(await _http.GetAsync(url + "/api/locks"))).AsArray();
            Assert.That((string)locks.Single(l => (string)l!["name"]! == "board-lock")!["state"]!, Is.EqualTo("held by process 0"));

            JsonArray documents = (await JsonOf(await _http.GetAsync(url + "/api/documents"))).AsArray();
            Assert.That(documents.Select(d => (string)d!["name"]!), Does.Contain("board"));
            using HttpResponseMessage board = await _http.GetAsync(url + "/api/documents/board");
            Assert.That(board.Headers.ETag?.Tag, Is.EqualTo("\"0\""));
            Assert.That((await JsonOf(board))["title"]!.GetValue<string>(), Is.EqualTo("orders"));
            using HttpResponseMessage missing = await _http.GetAsync(url + "/api/documents/nope");
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

            using HttpResponseMessage page = await _http.GetAsync(url + "/");
            Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));

            using HttpResponseMessage patch = await PatchAsync(url + "/api/documents/board", """{"$inc": {"count": 1}}""");
            Assert.That(patch.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "PATCH is off without --http-write");
            Assert.That(await patch.Content.ReadAsStringAsync(), Does.Contain("--http-write"));
        }
    }

    [Test]
    public async Task UnderANativeAotApp_TheDashboardIsStillACoreClrProcessOfTheCluster()
    {
        (LauncherRun run, string url) = ServeApp(Paths.NativeAot("ClusterProbe"));
        using (run)
        {
            JsonArray workers = (await JsonOf(await UntilServedAsync(url + "/api/workers"))).AsArray();
            Assert.That(workers.Select(w => (string)w!["role"]!), Is.EquivalentTo(new[] { "primary", "worker", "dashboard" }));
            Assert.That((await JsonOf(await _http.GetAsync(url + "/api/documents/board")))["title"]!.GetValue<string>(), Is.EqualTo("orders"));
            run.Stdin.Close();
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        }
    }

    private Task<HttpResponseMessage> PatchAsync(string url, string body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(ifMatch == "*" ? EntityTagHeaderValue.Any
                : ifMatch.StartsWith("W/", StringComparison.Ordinal) ? new EntityTagHeaderValue(ifMatch[2..], isWeak: true)
                : new EntityTagHeaderValue(ifMatch));
        }

        return _http.SendAsync(request);
    }

    [Test]
    public async Task WithHttpWrite_PatchAppliesAnUpdate_RefusesABadOneWith400_AndAStaleIfMatchWith412()
    {
        (LauncherRun run, string url) = Serve("--http-write");
        using (run)
        {
            await UntilServedAsync(url + "/api/documents");
            using HttpResponseMessage ok = await PatchAsync(url + "/api/documents/board", """{"$set": {"title": "paid"}, "$push": {"tags": "http"}}""");
            Assert.That((long)(await JsonOf(ok))["version"]!, Is.EqualTo(1));
            Assert.That(ok.Headers.ETag?.Tag, Is.EqualTo("\"1\""));

            using HttpResponseMessage wrapped = await PatchAsync(url + "/api/documents/board",
                """{"update": {"$set": {"tags.$[t]": "HTTP"}}, "arrayFilters": [{"t": "http"}]}""", ifMatch: "\"1\"");
            Assert.That((long)(await JsonOf(wrapped))["version"]!, Is.EqualTo(2));

            using HttpResponseMessage bad = await PatchAsync(url + "/api/documents/board", """{"$inc": {"title": 1}}""");
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            JsonNode error = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!;
            Assert.That((string)error["code"]!, Is.EqualTo("TypeMismatch"));
            Assert.That((string)error["error"]!, Does.Contain("title"));

            using HttpResponseMessage notJson = await PatchAsync(url + "/api/documents/board", "{nope");
            Assert.That(notJson.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

            using HttpResponseMessage stale = await PatchAsync(url + "/api/documents/board", """{"$inc": {"count": 1}}""", ifMatch: "\"1\"");
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.PreconditionFailed));

            // A condition it cannot read is refused, never taken for no condition; * is any version.
            using HttpResponseMessage weak = await PatchAsync(url + "/api/documents/board", """{"$inc": {"count": 1}}""", ifMatch: "W/\"2\"");
            Assert.That(weak.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await weak.Content.ReadAsStringAsync(), Does.Contain("If-Match"));

            JsonNode board = await JsonOf(await _http.GetAsync(url + "/api/documents/board"));
            Assert.That(board.ToJsonString(), Is.EqualTo("""{"count":0,"title":"paid","tags":["HTTP"]}"""), "the refused updates changed nothing");

            using HttpResponseMessage any = await PatchAsync(url + "/api/documents/board", """{"$inc": {"count": 1}}""", ifMatch: "*");
            Assert.That((long)(await JsonOf(any))["version"]!, Is.EqualTo(3));
        }
    }

    [Test]
    public async Task WithoutAToken_OnlyRequestsForLocalhostAreServed_NotARebindingPagesName()
    {
        (LauncherRun run, string url) = Serve();
        using (run)
        {
            await UntilServedAsync(url + "/api/workers");
            var port = new Uri(url).Port;
            foreach ((string host, HttpStatusCode expected) in new[]
            {
                ($"rebound.example:{port}", HttpStatusCode.Forbidden),
                ($"localhost:{port}", HttpStatusCode.OK),
                ($"127.0.0.1:{port}", HttpStatusCode.OK),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url + "/api/workers");
                request.Headers.Host = host;
                using HttpResponseMessage response = await _http.SendAsync(request);
                Assert.That(response.StatusCode, Is.EqualTo(expected), host);
            }
        }
    }

    [Test]
    public async Task AnOpenEventStream_DoesNotHoldUpTheClustersStop()
    {
        (LauncherRun run, string url) = Serve("--shutdown-timeout=60s");
        using (run)
        {
            await UntilServedAsync(url + "/api/workers");
            using var stream = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using HttpResponseMessage events = await stream.GetAsync(url + "/api/events", HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await events.Content.ReadAsStreamAsync());
            Assert.That(await reader.ReadLineAsync().WaitAsync(Bound), Is.EqualTo("event: summary"));

            // The host stops its streams as it stops: it does not wait for the page to go away
            // (Kestrel would wait for the request until the host's own timeout, then the launcher's).
            run.Stdin.Close();
            Assert.That(run.WaitForExit(TimeSpan.FromSeconds(20)), Is.Zero, run.Transcript());
        }
    }

    [Test]
    public async Task WithAToken_EveryRequestWithoutItIs401()
    {
        const string Token = "s3cret-token-0123456789";
        string tokenFile = Path.Combine(Path.GetTempPath(), $"dw-token-{Guid.NewGuid():N}");
        File.WriteAllText(tokenFile, Token + "\n");  // the file form, with its line end: what stays out of `ps`
        (LauncherRun run, string url) = Serve($"--http-token-file={tokenFile}");
        using (run)
        {
            File.Delete(tokenFile);
            using HttpResponseMessage refused = await UntilServedAsync(url + "/api/workers");
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            using var request = new HttpRequestMessage(HttpMethod.Get, url + "/api/workers");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using HttpResponseMessage allowed = await _http.SendAsync(request);
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            using HttpResponseMessage query = await _http.GetAsync(url + "/api/documents?token=" + Token);
            Assert.That(query.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            using HttpResponseMessage wrong = await _http.GetAsync(url + "/api/documents?token=wrong");
            Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }
    }

    [TestCase("--http=0.0.0.0:9999", "--http 0.0.0.0:9999 is reachable from other machines: give a token (--http-token-file, DOTNET_WORKERS_HTTP_TOKEN or --http-token), or bind 127.0.0.1")]
    [TestCase("--http-write", "--http-write needs --http")]
    [TestCase("--http=/tmp/x.sock", "invalid --http '/tmp/x.sock': expected [HOST:]PORT")]
    [TestCase("--http-token=short", "--http-token must give a token of at least 16 characters")]
    [TestCase("--http-token-file=/nonexistent/token", "--http-token-file /nonexistent/token: cannot read a token from it")]
    public void BadHttpOptions_AreOneLineUsageErrors(string option, string message)
    {
        using var run = LauncherRun.Start("--workers=1", option, Paths.Probe, "document-serve");
        Assert.That(run.WaitForExit(), Is.EqualTo(2));
        Assert.That(run.Stderr, Is.EqualTo(new[] { "dotnet-workers: error: " + message }).Or.Some.StartsWith("dotnet-workers: error: " + message), run.Transcript());
    }

    [Test]
    public async Task TheDashboardSurvivesItsOwnSigkill_AndAWorkersRevive()
    {
        (LauncherRun run, string url) = Serve("--on-worker-exit=revive");
        using (run)
        {
            JsonArray workers = (await JsonOf(await UntilServedAsync(url + "/api/workers"))).AsArray();
            int dashboard = (int)workers.Single(w => (string)w!["role"]! == "dashboard")!["pid"]!;
            int worker = (int)workers.Single(w => (string)w!["role"]! == "worker")!["pid"]!;
            Posix.Kill(worker, Posix.SIGKILL);
            Posix.Kill(dashboard, Posix.SIGKILL);

            // Revived on the socket the launcher kept: it answers again, with both replaced.
            JsonArray after = (await JsonOf(await UntilServedAsync(url + "/api/workers", r =>
                r.StatusCode == HttpStatusCode.OK && JsonNode.Parse(r.Content.ReadAsStringAsync().Result)!.AsArray()
                    .Count(w => (string)w!["status"]! is "idle" or "busy" && (string)w["role"]! != "primary" && (int)w["restarts"]! == 1) == 2))).AsArray();
            Assert.That(after.Single(w => (string)w!["role"]! == "dashboard")!["pid"]!.GetValue<int>(), Is.Not.EqualTo(dashboard));
            run.Stdin.Close();
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        }
    }

    /// <summary>The page in headless Chromium: the process rows and the document appear, and a patch made by a worker shows within a second.</summary>
    [Test]
    public async Task ThePage_ShowsTheProcesses_AndAPatchByAWorkerWithinASecond()
    {
        string chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Debian's chromium is not installed (.ci/run installs it)");
        (LauncherRun run, string url) = Serve();
        using (run)
        {
            await UntilServedAsync(url + "/api/workers");
            using IPlaywright playwright = await Playwright.CreateAsync();
            await using IBrowser browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
            IPage page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
            await page.GotoAsync(url + "/");

            ILocator rows = page.Locator("#workers tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 10_000 });
            await Assertions.Expect(page.Locator("#workers")).ToContainTextAsync("dashboard");
            await Assertions.Expect(page.Locator("#doc-body")).ToContainTextAsync("\"title\": \"orders\"", new() { Timeout = 10_000 });
            await Assertions.Expect(page.Locator("#doc-version")).ToHaveTextAsync("version 0");

            run.Stdin.WriteLine("from-the-primary");
            run.Stdin.Flush();
            await Assertions.Expect(page.Locator("#doc-body")).ToContainTextAsync("from-the-primary", new() { Timeout = 1_000 });
            await Assertions.Expect(page.Locator("#doc-version")).ToHaveTextAsync("version 1", new() { Timeout = 1_000 });
            Assert.That(await page.Locator("#doc-body").TextContentAsync(), Does.Contain("\"count\": 1"));

            string screenshot = Path.Combine(Paths.RepoRoot, "artifacts", "dashboard.png");
            await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
            TestContext.Out.WriteLine($"screenshot: {screenshot}");
            run.Stdin.Close();
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        }
    }
}
