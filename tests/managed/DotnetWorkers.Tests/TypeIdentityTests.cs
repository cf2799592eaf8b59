using DotnetWorkers.Events;
using DotnetWorkers.Queues;
using DotnetWorkers.Types;
using MemoryPack;

namespace DotnetWorkers.Tests;

[MemoryPackable]
public sealed partial record PlainRecord(string Region, int Replicas);

[MemoryPackable(GenerateType.VersionTolerant)]
public sealed partial class TolerantRecord
{
    [MemoryPackOrder(0)]
    public int Value { get; set; }
}

/// <summary>
/// The identity every stored value, queue and topic carries: stable across builds, distinct
/// for types whose bytes differ; and what a reader asking for another type is told.
/// </summary>
public class TypeIdentityTests : ClusterOfOneTest
{

    [Test]
    public void Names_LeaveOutAssemblyVersions_AndSpellGenericArguments()
    {
        Assert.That(TypeIdentity.NameOf(typeof(int)), Is.EqualTo("System.Int32"));
        Assert.That(TypeIdentity.NameOf(typeof(List<int>)), Is.EqualTo("System.Collections.Generic.List`1[System.Int32]"));
        Assert.That(TypeIdentity.NameOf(typeof(Dictionary<string, int[]>)),
            Is.EqualTo("System.Collections.Generic.Dictionary`2[System.String,System.Int32[]]"));
        Assert.That(TypeIdentity.NameOf(typeof(int[,])), Is.EqualTo("System.Int32[,]"));
        Assert.That(TypeIdentity.NameOf(typeof(int?)), Is.EqualTo("System.Nullable`1[System.Int32]"));
    }

    [Test]
    public void Identities_AreFixedValues_DistinctPerType_AndNeverZero()
    {
        // FNV-1a 64 of "System.Int32": a change here breaks clusters of mixed builds.
        Assert.That(TypeIdentity.Of(typeof(int)), Is.EqualTo(0x6A174EF4D44B937AUL));
        Assert.That(TypeIdentity<int>.Value, Is.EqualTo(TypeIdentity.Of(typeof(int))));
        ulong[] identities = [.. new[] { typeof(int), typeof(long), typeof(string), typeof(int[]), typeof(List<int>), typeof(PlainRecord) }
            .Select(TypeIdentity.Of)];
        Assert.That(identities, Is.Unique);
        Assert.That(identities, Has.None.EqualTo(0UL));
    }

    [Test]
    public void AVersionTolerantType_HasAnotherIdentityThanItsNameAlone()
    {
        // Its bytes carry member headers: a plain reader of the same name would misread them.
        ulong tolerant = TypeIdentity.Of(typeof(TolerantRecord));
        string name = TypeIdentity.NameOf(typeof(TolerantRecord));
        ulong nameOnly = 14695981039346656037;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            nameOnly = (nameOnly ^ b) * 1099511628211;
        }

        Assert.That(tolerant, Is.Not.EqualTo(nameOnly));
        Assert.That(TypeIdentity.Of(typeof(PlainRecord)), Is.Not.EqualTo(0UL));
    }

    [Test]
    public void TheClusterNamesEveryTypeItWasToldOf()
    {
        TypeNames names = Cluster.Runtime.TypeNames;
        ulong identity = names.Record<PlainRecord>();
        Assert.That(names.Describe(identity), Is.EqualTo("DotnetWorkers.Tests.PlainRecord"));
        Assert.That(names.Describe(12345), Does.Contain("no name").And.Contain("0x0000000000003039"));
        Assert.That(names.Describe(0), Is.EqualTo("untyped bytes"));
    }

    [Test]
    public void AQueueOpenedWithAnotherElementType_FailsAtOpen_NamingBothTypes()
    {
        SharedQueue<string> created = Cluster.Queues.Open<string>("jobs");
        Assert.That(created.TryWrite("first"), Is.True);

        var e = Assert.Throws<SharedTypeMismatchException>(() => Cluster.Queues.Open<int>("jobs"));

        Assert.That(e!.Message, Does.Contain("'jobs'").And.Contain("System.String").And.Contain("System.Int32"));
        Assert.That(e.RequestedType, Is.EqualTo(typeof(int)));
        Assert.That(e.StoredTypeName, Is.EqualTo("System.String"));
        Assert.That(e, Is.InstanceOf<InvalidOperationException>());
        Assert.That(Cluster.Queues.Open<string>("jobs").TryRead(out string? item) && item == "first", Is.True, "the queue is untouched");
    }

    [Test]
    public void AQueueOfRecords_RefusesAReaderOfAnotherRecordShape()
    {
        _ = Cluster.Queues.Open<PlainRecord>("configs");
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Queues.Open<TolerantRecord>("configs"));
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Queues.Open<byte[]>("configs"));
    }

    [Test]
    public void ATopic_CarriesOneType_SubscribersAndPublishersOfAnotherAreRefused()
    {
        using EventSubscription<string> news = Cluster.Events.Subscribe<string>("news");

        var subscribe = Assert.Throws<SharedTypeMismatchException>(() => Cluster.Events.Subscribe<int>("news"));
        Assert.That(subscribe!.Message, Does.Contain("'news'").And.Contain("System.String").And.Contain("System.Int32"));
        Assert.ThrowsAsync<SharedTypeMismatchException>(async () => await Cluster.Events.PublishAsync("news", 42));
        Assert.That(Cluster.Events.SubscriberCount("news"), Is.EqualTo(1), "a count needs no type");
        Assert.That(Cluster.Events.SubscriberCount("never-used"), Is.Zero);
    }

    [Test]
    public void ATopicPublishedFirst_FixesItsTypeToo()
    {
        Assert.That(Cluster.Events.PublishAsync("counts", 1L).AsTask().Result, Is.Zero, "no subscriber yet");
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Events.Subscribe<int>("counts"));
        using EventSubscription<long> counts = Cluster.Events.Subscribe<long>("counts");
    }

    [Test]
    public void AStoredRecordReadAsAnInt_IsAMismatchNamingBothTypes_NotANumberMadeOfItsBytes()
    {
        // The reproduction: before, Get<int> returned a number made of the record's bytes.
        Cluster.Store.Set("cfg", new PlainRecord("eu", 3));

        var e = Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.Get<int>("cfg"));

        Assert.That(e!.Message, Does.Contain("'cfg'").And.Contain("DotnetWorkers.Tests.PlainRecord").And.Contain("System.Int32"));
        Assert.That(e.StoredTypeName, Is.EqualTo("DotnetWorkers.Tests.PlainRecord"));
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.TryGet("cfg", out long _));
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.Update<string>("cfg", v => v));
        Assert.That(Cluster.Store.Get<PlainRecord>("cfg"), Is.EqualTo(new PlainRecord("eu", 3)));
    }

    [Test]
    public void ALargeValueReadAsAnotherType_IsAMismatchToo()
    {
        Cluster.Store.Set("big", new string('x', 10_000));  // past the stack buffer: the rented path
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.Get<byte[]>("big"));
    }

    [Test]
    public void SameBytes_AnotherType_AreNotEqual_ForCompareExchange()
    {
        Cluster.Store.Set("n", 7);  // an int: 4 bytes
        Assert.That(Cluster.Store.CompareExchange("n", 7u, 8u), Is.False, "a uint 7 has the same bytes, not the same type");
        Assert.That(Cluster.Store.CompareExchange("n", 7, 8), Is.True);
        Assert.That(Cluster.Store.Get<int>("n"), Is.EqualTo(8));
    }

    [Test]
    public void Increment_OfAnotherTypesValue_IsAMismatch_AndACounterIsALong()
    {
        Cluster.Store.Set("eight", 8.0);  // a double: 8 bytes, which Increment used to add to
        var e = Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.Increment("eight"));
        Assert.That(e!.Message, Does.Contain("System.Double").And.Contain("System.Int64"));
        Assert.That(Cluster.Store.Get<double>("eight"), Is.EqualTo(8.0));

        Cluster.Store.Increment("hits", 2);
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.Get<int>("hits"));
        Assert.That(Cluster.Store.Get<long>("hits"), Is.EqualTo(2));
        Cluster.Store.Set("preset", 40L);
        Assert.That(Cluster.Store.Increment("preset", 2), Is.EqualTo(42), "a long set by Set is a counter");
    }

    [Test]
    public async Task GetOrSet_OfAValueStoredAsAnotherType_IsAMismatch()
    {
        Cluster.Store.Set("file", new byte[] { 1, 2, 3 });
        Assert.ThrowsAsync<SharedTypeMismatchException>(async () => await Cluster.Store.GetOrSetAsync("file", () => Task.FromResult("text")));
        Assert.That(await Cluster.Store.GetOrSetAsync("computed", () => Task.FromResult(5L)), Is.EqualTo(5));
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.Get<int>("computed"), "the computed value keeps its type");
    }

    [Test]
    public void Set_ReplacesAValueOfAnotherType()
    {
        Cluster.Store.Set("k", "text");
        Cluster.Store.Set("k", 42);
        Assert.That(Cluster.Store.Get<int>("k"), Is.EqualTo(42));
        Assert.Throws<SharedTypeMismatchException>(() => Cluster.Store.Get<string>("k"));
    }
}
