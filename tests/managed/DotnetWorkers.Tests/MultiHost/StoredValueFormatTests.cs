using System.Text;
using DotnetWorkers.MultiHost;
using NUnit.Framework;
using StackExchange.Redis;

namespace DotnetWorkers.Tests.MultiHost;

/// <summary>How store values look on a Redis server: counters as Redis keeps them, the rest tagged with their type.</summary>
public class StoredValueFormatTests
{
    [Test]
    public void ALong_IsTheDecimalTextRedisCountsIn()
    {
        RedisValue stored = StoredValueFormat.Encode(-42L, "value");
        Assert.Multiple(() =>
        {
            Assert.That(stored.ToString(), Is.EqualTo("-42"), "INCRBY works on it, redis-cli shows it");
            Assert.That(StoredValueFormat.Decode<long>(stored, "k"), Is.EqualTo(-42));
            Assert.That(StoredValueFormat.Decode<long>((RedisValue)"7", "k"), Is.EqualTo(7), "what INCRBY wrote");
        });
    }

    [Test]
    public void OtherValues_RoundTrip_WithTheirTypesName()
    {
        RedisValue text = StoredValueFormat.Encode("héllo", "value");
        RedisValue array = StoredValueFormat.Encode(new[] { 1, 2, 3 }, "value");
        Assert.Multiple(() =>
        {
            Assert.That(((byte[])text!)[0], Is.Zero);
            Assert.That(Encoding.UTF8.GetString((byte[])text!), Does.Contain("System.String"));
            Assert.That(StoredValueFormat.Decode<string>(text, "k"), Is.EqualTo("héllo"));
            Assert.That(StoredValueFormat.Decode<int[]>(array, "k"), Is.EqualTo(new[] { 1, 2, 3 }));
        });
    }

    [Test]
    public void ReadAsAnotherType_IsAMismatchNamingBoth()
    {
        RedisValue text = StoredValueFormat.Encode("x", "value");
        var asLong = Assert.Throws<SharedTypeMismatchException>(() => StoredValueFormat.Decode<long>(text, "k"));
        var counterAsText = Assert.Throws<SharedTypeMismatchException>(() => StoredValueFormat.Decode<string>((RedisValue)"12", "c"));
        Assert.Multiple(() =>
        {
            Assert.That(asLong!.Message, Is.EqualTo("The value under 'k' is System.String, not System.Int64: read it with the type it was stored with."));
            Assert.That(asLong.StoredTypeName, Is.EqualTo("System.String"));
            Assert.That(counterAsText!.Message, Is.EqualTo("The value under 'c' is System.Int64, not System.String: read it with the type it was stored with."));
        });
    }
}
