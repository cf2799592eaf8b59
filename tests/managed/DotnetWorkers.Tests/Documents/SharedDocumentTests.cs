using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DotnetWorkers.Documents;

namespace DotnetWorkers.Tests.Documents;

/// <summary>
/// The shared document in one process: versions, reads by path, optimistic patches, the
/// journal's compaction, and observers. A second <see cref="SharedDocuments"/> on the same
/// region stands for another process's copy; the launcher suite checks real processes.
/// </summary>
[TestFixture]
public sealed class SharedDocumentTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private TestCluster _cluster = null!;

    [SetUp]
    public void SetUp() => _cluster = new TestCluster();

    [TearDown]
    public void TearDown() => _cluster.Dispose();

    [Test]
    public void Open_CreatesOnce_ALaterDefaultIsIgnored()
    {
        SharedDocument doc = _cluster.Documents.Open("orders", """{"count": 1}""");
        Assert.That(doc.Version, Is.Zero);
        Assert.That(doc.Get<long>("count", DocumentTestJson.Default.Int64), Is.EqualTo(1));
        SharedDocument again = new SharedDocuments(_cluster.Runtime).Open("orders", """{"count": 99}""");
        Assert.That(again.Get("count")!.GetValue<long>(), Is.EqualTo(1), "the first default wins");
        Assert.That(_cluster.Documents.Names, Is.EqualTo(new[] { "orders" }));
        Assert.That(_cluster.Documents.Exists("orders") && !_cluster.Documents.Exists("other"));
    }

    [Test]
    public void EachPatchThatChangesSomething_RaisesTheVersionByOne_AndAnotherProcessSeesIt()
    {
        SharedDocument writer = _cluster.Documents.Open("d");
        SharedDocument reader = new SharedDocuments(_cluster.Runtime).Open("d");
        Assert.That(writer.Patch("""{"$inc": {"hits": 1}}"""), Is.EqualTo(1));
        Assert.That(writer.Patch(Update.Inc("hits", 2).Push("log", "b")), Is.EqualTo(2));
        Assert.That(writer.Patch("""{"$pull": {"log": "absent"}}"""), Is.EqualTo(2), "an update that changes nothing keeps the version");
        (JsonObject seen, long version) = reader.Read();
        Assert.That(version, Is.EqualTo(2));
        Assert.That(seen.ToJsonString(), Is.EqualTo("""{"hits":3,"log":["b"]}"""));
    }

    [Test]
    public void GetByPath_IndexesArrays_MissingIsKeyNotFound_WrongTypeIsAMismatch()
    {
        SharedDocument doc = _cluster.Documents.Open("p", """{"orders": [{"total": 5}, {"total": 7.5}], "name": "x"}""");
        Assert.That(doc.Get<double>("orders.1.total", DocumentTestJson.Default.Double), Is.EqualTo(7.5));
        Assert.That(doc.TryGet("orders.2.total", out _), Is.False);
        Assert.Throws<KeyNotFoundException>(() => doc.Get("orders.9"));
        SharedTypeMismatchException? e = Assert.Throws<SharedTypeMismatchException>(() => doc.Get<long>("name", DocumentTestJson.Default.Int64));
        Assert.That(e!.Message, Does.Contain("'name'").And.Contain("string"));
        Assert.Throws<ArgumentException>(() => doc.Get("orders..total"));
    }

    [Test]
    public void AReadIsACopy()
    {
        SharedDocument doc = _cluster.Documents.Open("c", """{"a": {"b": 1}}""");
        doc.Get("a")!.AsObject()["b"] = 2;
        doc.Read().Document["a"] = 3;
        Assert.That(doc.Get("a.b")!.GetValue<long>(), Is.EqualTo(1));
    }

    [Test]
    public void AnInvalidUpdate_AppliesNothing_AndKeepsTheVersion()
    {
        SharedDocument doc = _cluster.Documents.Open("i", """{"a": 1, "s": "text"}""");
        DocumentUpdateException? e = Assert.Throws<DocumentUpdateException>(() => doc.Patch("""{"$set": {"a": 2}, "$inc": {"s": 1}}"""));
        Assert.That(e!.Code, Is.EqualTo("TypeMismatch"));
        Assert.That(e.Path, Is.EqualTo("s"));
        Assert.That(doc.Read().Document.ToJsonString(), Is.EqualTo("""{"a":1,"s":"text"}"""), "the $set did not happen either");
        Assert.That(doc.Version, Is.Zero);
        Assert.Throws<DocumentUpdateException>(() => doc.Patch("""{"$bogus": {"a": 1}}"""));
    }

    [Test]
    public void AnOptimisticPatch_OnAStaleVersion_IsRefused()
    {
        SharedDocument mine = _cluster.Documents.Open("o", """{"stock": 5}""");
        SharedDocument theirs = new SharedDocuments(_cluster.Runtime).Open("o");
        long seen = mine.Version;
        theirs.Patch(Update.Inc("stock", -1));
        DocumentVersionMismatchException? e = Assert.Throws<DocumentVersionMismatchException>(() => mine.Patch(Update.Inc("stock", -5), ifVersion: seen));
        Assert.That((e!.ExpectedVersion, e.ActualVersion), Is.EqualTo((0L, 1L)));
        Assert.That(mine.Patch(Update.Inc("stock", -4), ifVersion: 1), Is.EqualTo(2));
        Assert.That(theirs.Get("stock")!.GetValue<long>(), Is.Zero);
    }

    [Test]
    public async Task PatchAsync_WaitsForAnotherWriterWithoutBlocking_AndACancelledWaitAppliesNothing()
    {
        SharedDocument doc = _cluster.Documents.Open("w");
        Assert.That(await doc.PatchAsync("""{"$inc": {"n": 1}}"""), Is.EqualTo(1));
        Assert.That(await doc.PatchAsync(new JsonObject { ["$inc"] = new JsonObject { ["n"] = 1 } }), Is.EqualTo(2));
        Assert.That(await doc.PatchAsync(Update.Inc("n", 1), ifVersion: 2), Is.EqualTo(3));
        Assert.ThrowsAsync<DocumentVersionMismatchException>(async () => await doc.PatchAsync(Update.Inc("n", 1), ifVersion: 2));

        // The writers' lock held elsewhere (the lock is a process's, so this stands for another process).
        ValueTask<long> cancelled, waiting;
        using var cancel = new CancellationTokenSource();
        using (Locks.SharedLockLease held = _cluster.Locks.Mutex("dw.doc:w").Acquire())
        {
            cancelled = doc.PatchAsync(Update.Inc("n", 100), cancel.Token);
            waiting = doc.PatchAsync(Update.Inc("n", 10));
            Assert.That(cancelled.IsCompleted || waiting.IsCompleted, Is.False, "both wait for the writer holding the lock");
            await cancel.CancelAsync();
            Assert.CatchAsync<OperationCanceledException>(async () => await cancelled.AsTask().WaitAsync(Bound));
        }

        Assert.That(await waiting.AsTask().WaitAsync(Bound), Is.EqualTo(4), "the other one goes on once the lock is free");
        Assert.That(doc.Get("n")!.GetValue<long>(), Is.EqualTo(13), "the cancelled patch applied nothing");
        Assert.CatchAsync<OperationCanceledException>(async () => await doc.PatchAsync(Update.Inc("n", 1), new CancellationToken(canceled: true)));
        Assert.ThrowsAsync<DocumentUpdateException>(async () => await doc.PatchAsync("""{"$bogus": {"n": 1}}"""));
    }

    [Test]
    public void PastTheCompactionPoint_TheJournalFoldsIntoASnapshot_AndALateReaderLoadsIt()
    {
        SharedDocument writer = _cluster.Documents.Open("j");
        SharedDocument late = new SharedDocuments(_cluster.Runtime).Open("j");
        Assert.That(late.Version, Is.Zero);
        int patches = DocumentJournal.Retained + DocumentJournal.MinPatchesPerSnapshot * 2 + 10;
        for (int i = 0; i < patches; i++)
        {
            writer.Patch(Update.Inc("n", 1).Push("seq", i));
        }

        Assert.That(_cluster.Store.Keys("dw.doc:j:patch:").Count(), Is.LessThanOrEqualTo(DocumentJournal.Retained + DocumentJournal.MinPatchesPerSnapshot),
            "compacted patches are removed, but the last ones");
        (JsonObject document, long version) = late.Read();
        Assert.That(version, Is.EqualTo(patches));
        Assert.That(document["n"]!.GetValue<long>(), Is.EqualTo(patches));
        Assert.That(document["seq"]!.AsArray().Select(n => n!.GetValue<long>()), Is.EqualTo(Enumerable.Range(0, patches).Select(i => (long)i)));
    }

    [Test]
    public async Task AnObserver_GetsASnapshotThenEveryPatchUnderItsPath_InVersionOrder()
    {
        SharedDocument doc = _cluster.Documents.Open("obs", """{"a": {"x": 0}, "b": 0}""");
        SharedDocument other = new SharedDocuments(_cluster.Runtime).Open("obs");
        using var cancel = new CancellationTokenSource(Bound);
        await using IAsyncEnumerator<DocumentChange> changes = doc.Observe("a", cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.That(await changes.MoveNextAsync(), Is.True);
        Assert.That(changes.Current.Kind, Is.EqualTo(DocumentChangeKind.Snapshot));
        Assert.That(changes.Current.Value!.ToJsonString(), Is.EqualTo("""{"x":0}"""));

        other.Patch(Update.Inc("b", 1));                 // not under "a": not seen
        other.Patch(Update.Inc("a.x", 5));
        other.Patch(Update.Set("a", new JsonObject { ["y"] = 1 }));
        Assert.That(await changes.MoveNextAsync(), Is.True);
        DocumentChange first = changes.Current;
        Assert.That((first.Kind, first.Version, first.Operators[0]), Is.EqualTo((DocumentChangeKind.Patch, 2L, "$inc")));
        Assert.That(first.Changes.Single().ToJson().ToJsonString(), Is.EqualTo("""{"op":"replace","path":"/a/x","value":5}"""));
        Assert.That(await changes.MoveNextAsync(), Is.True);
        Assert.That(changes.Current.Version, Is.EqualTo(3));
        Assert.That(changes.Current.Changes.Single().Path, Is.EqualTo("/a"));
    }

    [Test]
    public async Task ASlowObserver_DoesNotHoldWritersUp_AndGetsASnapshotMarkedMissed()
    {
        SharedDocument doc = _cluster.Documents.Open("slow", """{"n": 0}""");
        using var cancel = new CancellationTokenSource(Bound);
        await using IAsyncEnumerator<DocumentChange> changes = doc.Observe("", bufferSize: 4, cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.That(await changes.MoveNextAsync(), Is.True);
        for (int i = 0; i < 20; i++)
        {
            doc.Patch(Update.Inc("n", 1));
        }

        var seen = new List<DocumentChange>();
        while (seen.Count == 0 || !seen[^1].Missed)
        {
            Assert.That(await changes.MoveNextAsync(), Is.True);
            seen.Add(changes.Current);
        }

        Assert.That(seen.Take(4).Select(c => c.Version), Is.EqualTo(new long[] { 1, 2, 3, 4 }), "the buffer's patches first");
        Assert.That(seen[^1].Kind, Is.EqualTo(DocumentChangeKind.Snapshot));
        Assert.That(seen[^1].Version, Is.EqualTo(20));
        Assert.That(seen[^1].Value!["n"]!.GetValue<long>(), Is.EqualTo(20));
        doc.Patch(Update.Inc("n", 1));
        Assert.That(await changes.MoveNextAsync(), Is.True);
        Assert.That((changes.Current.Kind, changes.Current.Version), Is.EqualTo((DocumentChangeKind.Patch, 21L)));
    }

    [Test]
    public async Task TheCallbackForm_RunsUntilDisposed()
    {
        SharedDocument doc = _cluster.Documents.Open("cb");
        var got = new TaskCompletionSource<DocumentChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (doc.Observe("n", change =>
               {
                   if (change.Kind == DocumentChangeKind.Patch)
                   {
                       got.TrySetResult(change);
                   }

                   return ValueTask.CompletedTask;
               }))
        {
            doc.Patch(Update.Set("n", 1));
            Assert.That((await got.Task.WaitAsync(Bound)).Version, Is.EqualTo(1));
        }
    }

    [Test]
    public void AnUpdateBuiltInCode_LeavesTheWritersCopy_AsEveryOtherProcessReadsIt()
    {
        SharedDocument writer = _cluster.Documents.Open("numbers", """{"x": 5, "big": 1}""");
        SharedDocument reader = new SharedDocuments(_cluster.Runtime).Open("numbers");
        writer.Patch(Update.Inc("x", 1.0).Set("f", 0.1f).Mul("big", 1.5));
        string written = writer.Read().Document.ToJsonString();
        Assert.That(reader.Read().Document.ToJsonString(), Is.EqualTo(written), "the replay is the writer's copy, to the bit");
        Assert.That(written, Is.EqualTo("""{"x":6,"big":1.5,"f":0.1}"""), "1.0 in code is written 1, an integer, as its JSON says");
        writer.Patch(Update.Mul("big", 2));
        Assert.That(reader.Read().Document.ToJsonString(), Does.Contain("\"big\":3.0"), "a computed double stays a double through JSON text");

        // An integer x, so its overflow is refused the same way in every process.
        DocumentUpdateException? e = Assert.Throws<DocumentUpdateException>(() => writer.Patch(Update.Inc("x", long.MaxValue)));
        Assert.That(e!.Code, Is.EqualTo("BadValue"));
        writer.Patch(Update.Mul("big", 1e300));
        e = Assert.Throws<DocumentUpdateException>(() => writer.Patch(Update.Mul("big", 1e300)));
        Assert.That((e!.Code, e.Path), Is.EqualTo(("BadValue", "big")), "an infinite result has no JSON: refused, not committed");
        Assert.That(reader.Version, Is.EqualTo(writer.Version));
    }

    [Test]
    public async Task AnObserverOfAnArrayElement_IsToldWhenAnEarlierElementIsRemoved()
    {
        SharedDocument doc = _cluster.Documents.Open("shift", """{"log": ["a", "b", "c"]}""");
        using var cancel = new CancellationTokenSource(Bound);
        await using IAsyncEnumerator<DocumentChange> changes = doc.Observe("log.1", cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.That(await changes.MoveNextAsync(), Is.True);
        Assert.That(changes.Current.Value!.GetValue<string>(), Is.EqualTo("b"));
        doc.Patch(Update.Pop("log", first: true));
        Assert.That(await changes.MoveNextAsync(), Is.True);
        Assert.That(changes.Current.Changes.Single().ToJson().ToJsonString(), Is.EqualTo("""{"op":"remove","path":"/log/0"}"""), "log.1 is now \"c\"");
    }

    [Test]
    public void BadNames_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => _cluster.Documents.Open(""));
        Assert.Throws<ArgumentException>(() => _cluster.Documents.Open("a:b"));
        Assert.Throws<ArgumentException>(() => _cluster.Documents.Open(new string('x', 101)));
        Assert.Throws<ArgumentException>(() => _cluster.Documents.Open("ok", "[1, 2]"));
    }
}

[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
internal sealed partial class DocumentTestJson : JsonSerializerContext;
