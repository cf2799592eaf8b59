using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using DotnetWorkers.Documents;

namespace DotnetWorkers.Bench.Document;

/// <summary>
/// Patches per second on a 1 MiB document, side by side in one run, for three updates
/// (<c>$inc</c> of a counter, <c>$push</c> of a number, <c>$set</c> of a 1 KiB sub-document):
/// <list type="bullet">
/// <item>the ceiling: the update applied to a <see cref="JsonObject"/> in this process, nothing shared;</item>
/// <item>the shared document from one process (this one, a cluster of one: the same code and
/// store as under the launcher), each patch committed to the region's journal;</item>
/// <item>the same with the document kept on disk (<c>--data-dir</c>, fsync within 100 ms);</item>
/// <item>from 1 and 2 processes of a launched cluster patching one document (DocumentProbe);</item>
/// <item>MemSync's and memshare's model: a host that owns the document and applies the
/// patches clients send it over a Unix socket, one reply (the version) per patch. The host
/// is a thread of this process here, so the figure leaves out the switch between address
/// spaces a real host process adds: it flatters the model.</item>
/// </list>
/// And the latency from a patch in one process to an observer in another.
/// </summary>
internal static class DocumentBenchmark
{
    internal static void Run(string outDirectory, int milliseconds)
    {
        var report = new BenchReport("document",
            $"patches per second, one thread: median of 5 interleaved runs of {milliseconds / 5} ms after warm-up; a 1 MiB document " +
            "(a counter, an array, 64 slots of 1 KiB and 1 MiB of filler)");
        var updates = new (string Name, Func<long, DocumentUpdate> Make)[]
        {
            ("inc", _ => DocumentUpdate.Parse("""{"$inc": {"counter": 1}}""")),
            ("push", i => Update.Push("list", i).Build()),
            // Each one different from what its slot holds: a $set of an equal value changes nothing and commits nothing.
            ("set-1k", i => Update.Set($"slots.s{i % 64}", MakeSubDocument(i)).Build()),
        };

        DirectoryInfo dataDirectory = Directory.CreateTempSubdirectory("dw-doc-bench-");
        string documentFile = Path.Combine(Path.GetTempPath(), $"dw-doc-bench-{Environment.ProcessId}.json");
        File.WriteAllText(documentFile, MakeDocument().ToJsonString());
        foreach ((string name, Func<long, DocumentUpdate> make) in updates)
        {
            // Built before the clock runs: what is measured is applying and sharing, not building.
            DocumentUpdate[] prepared = [.. Enumerable.Range(0, 1024).Select(i => make(i))];
            JsonObject local = MakeDocument();
            SharedDocument shared = Cluster.Documents.Open($"bench-{name}", MakeDocument());
            SharedDocument onDisk = Cluster.Documents.Open($"bench-{name}-disk", MakeDocument(), new SharedDocumentOptions { DataDirectory = dataDirectory.FullName });
            using var host = new SocketHost(MakeDocument());
            using Socket client = host.Connect();
            byte[][] wire = [.. prepared.Select(u => Encoding.UTF8.GetBytes(u.ToString()))];
            var reply = new byte[8];

            var ops = new (string Name, Action<int> Op)[]
            {
                ("in-process", i => prepared[i & 1023].ApplyTo(local)),
                ("shared", i => shared.Patch(prepared[i & 1023])),
                ("shared-disk", i => onDisk.Patch(prepared[i & 1023])),
                ("socket-host", i => host.Send(client, wire[i & 1023], reply)),
            };
            Dictionary<string, double> perSecond = Measure(ops, milliseconds / 5);
            report.Add($"document.{name}.in-process", perSecond["in-process"], "patches/s");
            report.Add($"document.{name}.dotnet-workers", perSecond["shared"], "patches/s", "of in-process", perSecond["in-process"]);
            report.Add($"document.{name}.socket-host", perSecond["socket-host"], "patches/s", "of dotnet-workers", perSecond["shared"]);
            report.Add($"document.{name}.dotnet-workers-data-dir", perSecond["shared-disk"], "patches/s", "of dotnet-workers", perSecond["shared"]);
            foreach (int active in new[] { 1, 2 })
            {
                double across = ProcessesThroughput(name, active, milliseconds / 5, documentFile);
                report.Add($"document.{name}.processes-{active}", across, "patches/s", "of in-process", perSecond["in-process"]);
            }
        }

        (double median, double p99) = ObserverLatency(documentFile);
        report.Add("document.observer-latency.median", median / 1000, "us");
        report.Add("document.observer-latency.p99", p99 / 1000, "us");
        dataDirectory.Delete(recursive: true);
        File.Delete(documentFile);
        report.Write(outDirectory);
    }

    /// <summary>Total patches per second of `active` processes of a launched cluster of two patching one document.</summary>
    private static double ProcessesThroughput(string op, int active, int milliseconds, string documentFile)
    {
        string output = RunProbe(["patch", op, active.ToString(CultureInfo.InvariantCulture), milliseconds.ToString(CultureInfo.InvariantCulture), documentFile]);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("ops ", StringComparison.Ordinal))
            .Select(l => l.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture)))
            .Sum(f => f["count"] / (f["ms"] / 1000));
    }

    /// <summary>From a patch in one process to its observer in another (woken by the commit's event), in ns: median and p99.</summary>
    private static (double Median, double P99) ObserverLatency(string documentFile)
    {
        string line = RunProbe(["latency", "1000", documentFile]).Split('\n').Single(l => l.StartsWith("latency ns=", StringComparison.Ordinal));
        List<long> samples = [.. line["latency ns=".Length..].Split(',').Select(long.Parse).Order()];
        return (samples[samples.Count / 2], samples[(int)(samples.Count * 0.99)]);
    }

    /// <summary>Runs the DocumentProbe app as a cluster of two (the primary and one worker); its output.</summary>
    private static string RunProbe(string[] arguments)
    {
        string launcher = Path.Combine(Paths.Artifacts, "bin", "dotnet-workers");
        string probe = Path.Combine(Paths.Artifacts, "bench", "apps", "DocumentProbe", "DocumentProbe.dll");
        var info = new ProcessStartInfo(launcher) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in (string[])["--workers=1", "--memory=2g", probe, .. arguments])
        {
            info.ArgumentList.Add(a);
        }

        using Process cluster = Process.Start(info)!;
        string output = cluster.StandardOutput.ReadToEnd();
        if (!cluster.WaitForExit(TimeSpan.FromSeconds(120)) || cluster.ExitCode != 0)
        {
            throw new InvalidOperationException($"the DocumentProbe cluster failed ({cluster.ExitCode}): {output}");
        }

        return output;
    }

    private static Dictionary<string, double> Measure((string Name, Action<int> Op)[] ops, int slice)
    {
        foreach (var (_, op) in ops)
        {
            Loop(300, op);
        }

        Thread.Sleep(500); // the JIT's background tier-up
        var rounds = ops.ToDictionary(o => o.Name, _ => new List<double>());
        for (int round = 0; round < 5; round++)
        {
            foreach (var (name, op) in ops)
            {
                var clock = Stopwatch.StartNew();
                long count = Loop(slice, op);
                rounds[name].Add(count / clock.Elapsed.TotalSeconds);
            }
        }

        return rounds.ToDictionary(r => r.Key, r => r.Value.Order().ElementAt(2));
    }

    private static long Loop(int milliseconds, Action<int> op)
    {
        long count = 0;
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < milliseconds)
        {
            for (int i = 0; i < 64; i++)
            {
                op((int)(count + i));
            }

            count += 64;
        }

        return count;
    }

    private static JsonObject MakeDocument()
    {
        var filler = new JsonArray();
        for (int i = 0; i < 1024; i++)
        {
            filler.Add(MakeSubDocument(i));
        }

        return new JsonObject { ["counter"] = 0, ["list"] = new JsonArray(), ["slots"] = new JsonObject(), ["filler"] = filler };
    }

    // About 1 KiB of JSON: 16 fields of a 50-character string, and a number.
    private static JsonObject MakeSubDocument(long n)
    {
        var sub = new JsonObject { ["n"] = n };
        for (int i = 0; i < 16; i++)
        {
            sub[$"field{i}"] = new string((char)('a' + i), 50);
        }

        return sub;
    }

    /// <summary>
    /// MemSync's model: one owner of the document; a client sends an update (length-prefixed
    /// UTF-8 JSON) and waits for the version it produced.
    /// </summary>
    private sealed class SocketHost : IDisposable
    {
        private readonly string _path = Path.Combine(Path.GetTempPath(), $"dw-doc-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly JsonObject _document;
        private readonly Thread _thread;

        public SocketHost(JsonObject document)
        {
            _document = document;
            _listener.Bind(new UnixDomainSocketEndPoint(_path));
            _listener.Listen(1);
            _thread = new Thread(Serve) { IsBackground = true, Name = "document socket host" };
            _thread.Start();
        }

        public Socket Connect()
        {
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(_path));
            return client;
        }

        public void Send(Socket client, byte[] update, byte[] reply)
        {
            Span<byte> length = stackalloc byte[4];
            BitConverter.TryWriteBytes(length, update.Length);
            client.Send(length);
            client.Send(update);
            ReadExactly(client, reply);
        }

        public void Dispose()
        {
            _listener.Dispose();
            File.Delete(_path);
        }

        private void Serve()
        {
            try
            {
                using Socket connection = _listener.Accept();
                var length = new byte[4];
                byte[] buffer = new byte[1 << 16];
                long version = 0;
                while (true)
                {
                    ReadExactly(connection, length);
                    int size = BitConverter.ToInt32(length);
                    ReadExactly(connection, buffer.AsSpan(0, size));
                    // What the host does for each message: parse it, apply it, answer.
                    DocumentUpdate.Parse(Encoding.UTF8.GetString(buffer, 0, size)).ApplyTo(_document);
                    connection.Send(BitConverter.GetBytes(++version));
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private static void ReadExactly(Socket socket, Span<byte> into)
        {
            while (!into.IsEmpty)
            {
                int read = socket.Receive(into);
                if (read == 0)
                {
                    throw new SocketException((int)SocketError.ConnectionReset);
                }

                into = into[read..];
            }
        }
    }
}
