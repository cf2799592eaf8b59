using DotnetWorkers.Native;
using DotnetWorkers.Region;

namespace DotnetWorkers.Tests;

/// <summary>
/// How a process binds to its cluster from the launcher's environment variables, and what
/// it does when they are missing, inherited, malformed, or point at a region of another
/// layout. Regions are created in this process; the real launcher is covered by the
/// launcher tests.
/// </summary>
public unsafe class ClusterBindingTests
{
    private const ulong Size = 32UL << 20;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private SharedRegion _region = null!;
    private StringWriter _diagnostics = null!;

    [SetUp]
    public void SetUp()
    {
        _region = SharedRegion.CreatePrivate(Size);
        _diagnostics = new StringWriter();
    }

    [TearDown]
    public void TearDown()
    {
        _region.Dispose();
        _diagnostics.Dispose();
    }

    private string DescriptorFor(int pid, SharedRegion region) =>
        $"v1:pid={pid}:fd=3:addr=0x{(ulong)region.Base:x}:size={region.Size}";

    private ClusterRuntime Bind(string? descriptor, string? id = "0") =>
        ClusterRuntime.Bind(
            name => name switch
            {
                ClusterRuntime.RegionVariable => descriptor,
                ClusterRuntime.IdVariable => id,
                _ => null,
            },
            _diagnostics.WriteLine,
            keepWorkersAlive: false);

    [Test]
    public void WithoutTheLauncher_RunsAsAClusterOfOne_AndSaysSoOnce()
    {
        using ClusterRuntime runtime = Bind(descriptor: null);
        Assert.Multiple(() =>
        {
            Assert.That(runtime.IsStandalone, Is.True);
            Assert.That(runtime.WorkerId, Is.Zero);
            Assert.That(runtime.WorkerCount, Is.Zero);
            Assert.That(runtime.Role, Is.EqualTo("primary"));
            Assert.That(runtime.ReadWorkers(), Has.Count.EqualTo(1));
            Assert.That(runtime.ReadWorkers()[0].ProcessId, Is.EqualTo(Environment.ProcessId));
            string[] lines = _diagnostics.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(1));
            Assert.That(lines[0], Does.Contain("cluster of one").And.Contain("not started by the dotnet-workers launcher"));
        });
    }

    [Test]
    public void WithADescriptorWrittenForAnotherProcess_RunsAsAClusterOfOne()
    {
        // What a program started by a cluster process sees: it inherited the environment.
        using ClusterRuntime runtime = Bind(DescriptorFor(Environment.ProcessId + 1, _region));
        Assert.That(runtime.IsStandalone, Is.True);
        Assert.That(_diagnostics.ToString(), Does.Contain("inherited DOTNET_WORKERS_REGION"));
    }

    [Test]
    public void WithAValidDescriptor_BindsAsTheGivenProcess()
    {
        using ClusterRuntime runtime = Bind(DescriptorFor(Environment.ProcessId, _region), id: "0");
        Assert.Multiple(() =>
        {
            Assert.That(runtime.IsStandalone, Is.False);
            Assert.That(runtime.WorkerId, Is.Zero);
            Assert.That(runtime.Role, Is.EqualTo("primary"));
            Assert.That(runtime.Region.Base == _region.Base, Is.True, "the same mapping, bound again");
            Assert.That(_diagnostics.ToString(), Is.Empty);
        });
    }

    [TestCase("garbage")]
    [TestCase("v1:pid=1")]
    [TestCase("v9:pid=1:fd=3:addr=0x1000:size=10")]
    public void WithAMalformedDescriptor_ThrowsNamingTheVariable(string descriptor)
    {
        var e = Assert.Throws<DotnetWorkersException>(() => Bind(descriptor));
        Assert.That(e!.Message, Does.Contain("DOTNET_WORKERS_REGION").And.Contain(descriptor));
    }

    [Test]
    public void WithAnUnmappedAddress_Throws()
    {
        string descriptor = $"v1:pid={Environment.ProcessId}:fd=3:addr=0x300000000000:size={Size}";
        var e = Assert.Throws<DotnetWorkersException>(() => Bind(descriptor));
        Assert.That(e!.Message, Does.Contain("not mapped"));
    }

    [Test]
    public void WithAnotherLayoutVersion_ThrowsRegionMismatch_AndTouchesNothing()
    {
        uint* version = (uint*)(_region.Base + RegionLayout.LayoutVersionOffset);
        *version = RegionLayout.Version + 1;
        var tableEnd = RegionLayout.ProcessTableOffset + (RegionLayout.ProcessCapacity * RegionLayout.ProcessEntrySize);
        byte[] before = new ReadOnlySpan<byte>(_region.Base, tableEnd).ToArray();
        try
        {
            var e = Assert.Throws<RegionMismatchException>(() => Bind(DescriptorFor(Environment.ProcessId, _region)));
            Assert.That(e!.Message, Does.Contain($"layout version {RegionLayout.Version + 1}").And.Contain("different releases"));
            Assert.That(new ReadOnlySpan<byte>(_region.Base, tableEnd).SequenceEqual(before), Is.True,
                "not one byte of the header or the process table was written");
        }
        finally
        {
            *version = RegionLayout.Version;
        }
    }

    [Test]
    public void WithASizeTheHeaderDisagreesWith_Throws()
    {
        string descriptor = $"v1:pid={Environment.ProcessId}:fd=3:addr=0x{(ulong)_region.Base:x}:size={Size / 2}";
        var e = Assert.Throws<DotnetWorkersException>(() => Bind(descriptor));
        Assert.That(e!.Message, Does.Contain($"header says {Size} bytes"));
    }

    [Test]
    public void WithTheProcessTableElsewhere_ThrowsRegionMismatch()
    {
        ulong* table = (ulong*)(_region.Base + RegionLayout.ProcessTableOffsetOffset);
        *table += 64;
        try
        {
            var e = Assert.Throws<RegionMismatchException>(() => Bind(DescriptorFor(Environment.ProcessId, _region)));
            Assert.That(e!.Message, Does.Contain("process table"));
        }
        finally
        {
            *table -= 64;
        }
    }

    [Test]
    public void WithAnIdTheLauncherNeverStarted_ThrowsAndWritesNothing()
    {
        // A private region has only process 0.
        var e = Assert.Throws<DotnetWorkersException>(() => Bind(DescriptorFor(Environment.ProcessId, _region), id: "5"));
        Assert.That(e!.Message, Does.Contain("DOTNET_WORKERS_ID=5 is not a process the launcher started"));
        Assert.That(_region.ReadProcess(5), Is.Null);
    }

    [Test]
    public void WithAnotherFormatWord_ThrowsRegionMismatch()
    {
        uint* word = (uint*)(_region.Base + RegionLayout.FormatWordOffset);
        *word ^= 1;
        try
        {
            Assert.Throws<RegionMismatchException>(() => Bind(DescriptorFor(Environment.ProcessId, _region)));
        }
        finally
        {
            *word ^= 1;
        }
    }

    [Test]
    public void WithForeignMemory_Throws()
    {
        ulong* magic = (ulong*)(_region.Base + RegionLayout.MagicOffset);
        *magic = 0;
        try
        {
            var e = Assert.Throws<DotnetWorkersException>(() => Bind(DescriptorFor(Environment.ProcessId, _region)));
            Assert.That(e!.Message, Does.Contain("not a dotnet-workers region"));
        }
        finally
        {
            *magic = RegionLayout.Magic;
        }
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("one")]
    [TestCase("-1")]
    [TestCase("1024")]
    public void WithABadProcessId_Throws(string? id)
    {
        var e = Assert.Throws<DotnetWorkersException>(() => Bind(DescriptorFor(Environment.ProcessId, _region), id));
        Assert.That(e!.Message, Does.Contain("DOTNET_WORKERS_ID"));
    }

    [Test]
    public void ShutdownToken_FiresWhenTheClusterShutsDown()
    {
        using ClusterRuntime runtime = Bind(DescriptorFor(Environment.ProcessId, _region));
        CancellationToken token = runtime.Lifetime.ShutdownToken;
        Assert.That(token.IsCancellationRequested, Is.False);

        NativeErrors.ThrowIfFailed(NativeMethods.ShutdownRequest(_region.Handle, RegionLayout.ReasonRequested), "request");

        Assert.That(token.WaitHandle.WaitOne(Bound), Is.True);
        Assert.That(_region.IsShutdownRequested, Is.True);
    }

    [Test]
    public void StopLocally_FiresTheTokenWithoutStoppingTheCluster()
    {
        using ClusterRuntime runtime = Bind(DescriptorFor(Environment.ProcessId, _region));
        CancellationToken token = runtime.Lifetime.ShutdownToken;
        runtime.Lifetime.StopLocally();
        Assert.That(token.WaitHandle.WaitOne(Bound), Is.True);
        Assert.That(runtime.Lifetime.WaitForLifetimeEnd(Bound), Is.True, "the lifetime ended");
        Assert.That(_region.IsShutdownRequested, Is.False);
        Assert.That(_region.ReadProcess(0)!.Status, Is.EqualTo(WorkerStatus.Stopping));
    }

    [Test]
    public void StopLocally_RightAfterTheWatcherStarts_IsNeverLost()
    {
        // The stop can land between the watcher's check and its sleep; the watcher sleeps on
        // the very word the stop changes, so the wake cannot be lost. Give the race chances.
        for (int round = 0; round < 50; round++)
        {
            using SharedRegion region = SharedRegion.CreatePrivate(Size);
            using ClusterRuntime runtime = Bind(DescriptorFor(Environment.ProcessId, region));
            CancellationToken token = runtime.Lifetime.ShutdownToken; // starts the watcher
            runtime.Lifetime.StopLocally();
            Assert.That(token.WaitHandle.WaitOne(Bound), Is.True, $"round {round}");
            Assert.That(runtime.Lifetime.WaitForLifetimeEnd(Bound), Is.True, $"round {round}");
        }
    }

    [Test]
    public void ShutdownRequest_EndsTheLifetimeThreadOfEveryProcess()
    {
        using ClusterRuntime runtime = Bind(DescriptorFor(Environment.ProcessId, _region));
        _ = runtime.Lifetime.ShutdownToken;
        NativeErrors.ThrowIfFailed(NativeMethods.ShutdownRequest(_region.Handle, RegionLayout.ReasonRequested), "request");
        Assert.That(runtime.Lifetime.WaitForLifetimeEnd(Bound), Is.True);
        Assert.That(_region.ReadProcess(0)!.Status, Is.EqualTo(WorkerStatus.Stopping));
    }
}
