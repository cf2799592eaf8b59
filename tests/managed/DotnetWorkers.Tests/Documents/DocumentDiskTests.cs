using System.Text.Json.Nodes;
using DotnetWorkers.Documents;

namespace DotnetWorkers.Tests.Documents;

/// <summary>
/// Shared documents on disk: a document kept in a data directory comes back in a new cluster
/// (a new region) as it was, through compactions; and a journal cut at any byte (a power loss
/// mid-append) or damaged restores the last complete patch before the damage, never a
/// document that is partly patched.
/// </summary>
[TestFixture]
public sealed class DocumentDiskTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("dw-doc-disk-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private SharedDocumentOptions OnDisk(string? dir = null) => new() { DataDirectory = dir ?? _dir };

    /// <summary>Patch i pushes i and sets a string of a length that varies, so records differ in size.</summary>
    private static void PatchNumbered(SharedDocument document, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            document.Patch(Update.Inc("n", 1).Push("items", i).Set("pad", new string((char)('a' + (i % 26)), i * 7 % 300)));
        }
    }

    /// <summary>The document a run of <see cref="PatchNumbered"/> leaves after <paramref name="n"/> patches: whole, or not.</summary>
    private static void AssertWhole(JsonObject document, long version, long n)
    {
        Assert.That(version, Is.EqualTo(n));
        Assert.That(document["n"]!.GetValue<long>(), Is.EqualTo(n));
        Assert.That(document["items"]!.AsArray().Select(i => i!.GetValue<long>()), Is.EqualTo(Enumerable.Range(1, (int)n).Select(i => (long)i)));
    }

    [Test]
    public void ADocumentOnDisk_ComesBackInANewCluster_AndGoesOnFromThere()
    {
        using (var first = new TestCluster())
        {
            SharedDocument document = first.Documents.Open("orders", """{"n": 0, "items": []}""", OnDisk());
            PatchNumbered(document, 1, 40);
        }

        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "orders.snapshot", "orders.journal" }));
        using (var second = new TestCluster())
        {
            SharedDocument document = second.Documents.Open("orders", """{"ignored": true}""", OnDisk());
            (JsonObject restored, long version) = document.Read();
            AssertWhole(restored, version, 40);
            Assert.That(restored.ContainsKey("ignored"), Is.False, "a restored document ignores the default");
            PatchNumbered(document, 41, 5);
        }

        using var third = new TestCluster();
        (JsonObject last, long lastVersion) = third.Documents.Open("orders", options: OnDisk()).Read();
        AssertWhole(last, lastVersion, 45);
    }

    [Test]
    public void ThroughCompactions_TheSnapshotAndTheJournalTogetherRestoreEveryPatch()
    {
        using (var cluster = new TestCluster())
        {
            // Past several compactions (every 256+ patches, once the patches weigh what the snapshot does).
            PatchNumbered(cluster.Documents.Open("big", """{"n": 0, "items": []}""", OnDisk()), 1, 1500);
        }

        var disk = new DocumentDisk(_dir, "big", syncEveryPatch: false);
        RestoredDocument restored = disk.Restore()!;
        AssertWhole(restored.Document, restored.Version, 1500);
        byte[] snapshot = File.ReadAllBytes(Path.Combine(_dir, "big.snapshot"));
        Assert.That(DocumentDisk.ReadRecord(snapshot, 8, out long snapshotVersion, out _), Is.EqualTo(snapshot.Length));
        Assert.That(snapshotVersion, Is.GreaterThan(1500 - 512), "the snapshot follows the compactions");
        byte[] journal = File.ReadAllBytes(Path.Combine(_dir, "big.journal"));
        int records = 0;
        for (int at = (int)DocumentDisk.EmptyJournalBytes; (at = DocumentDisk.ReadRecord(journal, at, out _, out _)) > 0;)
        {
            records++;
        }

        Assert.That(records, Is.EqualTo(1500 - snapshotVersion), "the journal holds only the patches after the snapshot");
    }

    [Test]
    public void AJournalCutAtAHundredRandomBytes_RestoresTheLastCompletePatchBeforeTheCut()
    {
        const int Patches = 60;
        using (var cluster = new TestCluster())
        {
            PatchNumbered(cluster.Documents.Open("cut", """{"n": 0, "items": []}""", OnDisk()), 1, Patches);
        }

        byte[] journal = File.ReadAllBytes(Path.Combine(_dir, "cut.journal"));
        byte[] snapshot = File.ReadAllBytes(Path.Combine(_dir, "cut.snapshot"));
        var ends = new List<int>();
        for (int at = (int)DocumentDisk.EmptyJournalBytes; (at = DocumentDisk.ReadRecord(journal, at, out _, out _)) > 0;)
        {
            ends.Add(at);
        }

        Assert.That(ends, Has.Count.EqualTo(Patches), "one record per patch, none compacted away at this size");
        var random = new Random(20261202);
        int[] offsets = [.. Enumerable.Range(0, 100).Select(_ => random.Next(0, journal.Length + 1))];
        string copy = Path.Combine(_dir, "copy");
        Directory.CreateDirectory(copy);
        File.WriteAllBytes(Path.Combine(copy, "cut.snapshot"), snapshot);
        foreach (int offset in offsets)
        {
            File.WriteAllBytes(Path.Combine(copy, "cut.journal"), journal[..offset]);
            RestoredDocument restored = new DocumentDisk(copy, "cut", syncEveryPatch: false).Restore()!;
            int complete = ends.Count(e => e <= offset);
            AssertWhole(restored.Document, restored.Version, complete);
            Assert.That(restored.JournalBytes, Is.EqualTo(complete == 0 ? DocumentDisk.EmptyJournalBytes : ends[complete - 1]), $"cut at {offset}");
        }

        // And in a cluster: the torn tail is cut off by the next patch, which a later restore keeps.
        int torn = ends[29] + 5;
        File.WriteAllBytes(Path.Combine(copy, "cut.journal"), journal[..torn]);
        using (var cluster = new TestCluster())
        {
            SharedDocument document = cluster.Documents.Open("cut", options: OnDisk(copy));
            Assert.That(document.Version, Is.EqualTo(30));
            PatchNumbered(document, 31, 3);
        }

        RestoredDocument after = new DocumentDisk(copy, "cut", syncEveryPatch: false).Restore()!;
        AssertWhole(after.Document, after.Version, 33);
    }

    [Test]
    public void ADamagedRecord_EndsTheRestoreBeforeIt()
    {
        using (var cluster = new TestCluster())
        {
            PatchNumbered(cluster.Documents.Open("flip", """{"n": 0, "items": []}""", OnDisk()), 1, 10);
        }

        string path = Path.Combine(_dir, "flip.journal");
        byte[] journal = File.ReadAllBytes(path);
        int at = (int)DocumentDisk.EmptyJournalBytes;
        for (int i = 0; i < 4; i++)
        {
            at = DocumentDisk.ReadRecord(journal, at, out _, out _);
        }

        journal[at + DocumentDisk.RecordHeaderBytes + 3] ^= 0x20;  // inside patch 5's payload: its checksum fails
        File.WriteAllBytes(path, journal);
        RestoredDocument restored = new DocumentDisk(_dir, "flip", syncEveryPatch: false).Restore()!;
        AssertWhole(restored.Document, restored.Version, 4);
    }

    [Test]
    public void ADamagedSnapshot_IsAnInvalidDataExceptionThatNamesTheFile()
    {
        using (var cluster = new TestCluster())
        {
            cluster.Documents.Open("snap", """{"a": 1}""", OnDisk());
        }

        string path = Path.Combine(_dir, "snap.snapshot");
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        using var again = new TestCluster();
        InvalidDataException? e = Assert.Throws<InvalidDataException>(() => again.Documents.Open("snap", options: OnDisk()));
        Assert.That(e!.Message, Does.Contain(path));
    }

    [Test]
    public void InMemory_WritesNothing_AndNamesOfAnyKindStayInTheDirectory()
    {
        using var cluster = new TestCluster();
        cluster.Documents.Open("memory-only", options: new SharedDocumentOptions { DataDirectory = _dir, InMemory = true }).Patch("""{"$set": {"a": 1}}""");
        Assert.That(Directory.GetFiles(_dir), Is.Empty);

        cluster.Documents.Open("../../etc/passwd é", options: OnDisk()).Patch("""{"$set": {"a": 1}}""");
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd%20%C3%A9.snapshot", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd%20%C3%A9.journal" }));
    }

    [Test]
    public void ALongName_GetsAHashedFileName_ThatFitsAndStaysItsOwn()
    {
        string one = new string('é', 50);              // 100 bytes of UTF-8: 300 characters escaped
        string other = new string('é', 49) + "e";
        using (var cluster = new TestCluster())
        {
            PatchNumbered(cluster.Documents.Open(one, """{"n": 0, "items": []}""", OnDisk()), 1, 3);
            PatchNumbered(cluster.Documents.Open(other, """{"n": 0, "items": []}""", OnDisk()), 1, 5);
        }

        Assert.That(Directory.GetFiles(_dir).Select(f => Path.GetFileName(f).Length), Has.All.LessThanOrEqualTo(DocumentDisk.MaxStemLength + ".snapshot".Length));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(4), "two names, two pairs of files");
        RestoredDocument first = new DocumentDisk(_dir, one, syncEveryPatch: false).Restore()!;
        RestoredDocument second = new DocumentDisk(_dir, other, syncEveryPatch: false).Restore()!;
        AssertWhole(first.Document, first.Version, 3);
        AssertWhole(second.Document, second.Version, 5);
    }

    [Test]
    public void AJournalShorterThanTheRegionSays_IsReplacedByASnapshot_NotExtendedWithZeros()
    {
        // A writer died inside a snapshot: the new snapshot is in place and the journal emptied,
        // but the region still says where the old journal ended.
        using (var cluster = new TestCluster())
        {
            SharedDocument document = cluster.Documents.Open("cut", """{"n": 0, "items": []}""", OnDisk());
            PatchNumbered(document, 1, 10);
            using (var dying = new DocumentDisk(_dir, "cut", syncEveryPatch: false))
            {
                dying.WriteSnapshot(10, document.Read().Document);
            }

            PatchNumbered(document, 11, 5);
        }

        RestoredDocument restored = new DocumentDisk(_dir, "cut", syncEveryPatch: false).Restore()!;
        AssertWhole(restored.Document, restored.Version, 15);
    }

    [Test]
    public void AJournalHeaderAPowerLossDamaged_IsWrittenAgain_AndTheRecordsAfterItCount()
    {
        using (var cluster = new TestCluster())
        {
            SharedDocument document = cluster.Documents.Open("header", """{"n": 0, "items": []}""", OnDisk());
            using (FileStream journal = File.OpenWrite(Path.Combine(_dir, "header.journal")))
            {
                journal.Write(new byte[DocumentDisk.EmptyJournalBytes]);  // zeros where "DWDOCJ01" was
            }

            PatchNumbered(document, 1, 5);
        }

        RestoredDocument restored = new DocumentDisk(_dir, "header", syncEveryPatch: false).Restore()!;
        AssertWhole(restored.Document, restored.Version, 5);
    }

    [Test]
    public void EveryPatchSync_RestoresTheSame()
    {
        using (var cluster = new TestCluster())
        {
            PatchNumbered(cluster.Documents.Open("sync", """{"n": 0, "items": []}""", new SharedDocumentOptions { DataDirectory = _dir, Sync = DocumentSync.EveryPatch }), 1, 20);
        }

        RestoredDocument restored = new DocumentDisk(_dir, "sync", syncEveryPatch: true).Restore()!;
        AssertWhole(restored.Document, restored.Version, 20);
    }
}
