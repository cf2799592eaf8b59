using System.Runtime.InteropServices;

namespace DotnetWorkers.LauncherTests;

/// <summary>The region is reserved large and costs only the pages that are touched.</summary>
public unsafe partial class MemoryTests
{
    [Test]
    public void Region_Of64GiB_CostsUnder2MiBUntilTouched()
    {
        using var run = LauncherRun.Start("--workers=2", "--memory=64g", Paths.Probe, "wait-shutdown");
        run.WaitForLines(l => l.StartsWith("probe ready ", StringComparison.Ordinal), 3);

        Assert.That(run.Identities.Select(f => f["memory"]).Distinct(), Is.EqualTo(new[] { (64L << 30).ToString() }));

        // The memfd behind the region, as the launcher holds it: its size is the reservation,
        // its allocated blocks are what it costs.
        string fd = Directory.GetFiles($"/proc/{run.Pid}/fd")
            .Single(f => new FileInfo(f).LinkTarget == "/memfd:dotnet-workers (deleted)");
        (long size, long allocated) = SizeAndAllocated(fd);
        Assert.That(size, Is.EqualTo(64L << 30));
        Assert.That(allocated, Is.LessThan(2L << 20), "the control structures only (~1.2 MiB, mostly store stripes)");

        // And in every process, the region's resident pages stay as small.
        foreach (int pid in run.ReportedPids)
        {
            Assert.That(RegionRssKiB(pid), Is.LessThan(1024), $"pid {pid}");
        }

        run.Signal(Posix.SIGTERM);
        Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
    }

    [Test]
    public void NoSharedMemoryObject_IsLeftInDevShm()
    {
        using (var run = LauncherRun.Start("--workers=2", Paths.Probe, "report"))
        {
            Assert.That(run.WaitForExit(), Is.Zero, run.Transcript());
        }

        Assert.That(Directory.GetFiles("/dev/shm").Select(Path.GetFileName),
            Has.None.Contains("dotnet-workers").And.None.StartsWith("dw-"));
    }

    /// <summary>Resident KiB of the region's mapping in process <paramref name="pid"/> (/proc/pid/smaps).</summary>
    private static long RegionRssKiB(int pid)
    {
        bool inRegion = false;
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (char.IsAsciiHexDigit(line[0]) && line.Contains('-'))
            {
                inRegion = line.EndsWith("/memfd:dotnet-workers (deleted)", StringComparison.Ordinal);
            }
            else if (inRegion && line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            }
        }

        Assert.Fail($"no region mapping in /proc/{pid}/smaps");
        return 0;
    }

    private static (long Size, long Allocated) SizeAndAllocated(string path)
    {
        // struct stat on x86-64 Linux: st_size at 48, st_blocks (512-byte units) at 64.
        byte* buffer = stackalloc byte[256];
        Assert.That(Stat(path, buffer), Is.Zero, $"stat {path}");
        return (*(long*)(buffer + 48), *(long*)(buffer + 64) * 512);
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);
}
