using DotnetWorkers.Region;

namespace DotnetWorkers.Tests;

/// <summary>A library of another release than the launcher refuses to bind, saying how to upgrade both.</summary>
[TestFixture]
public sealed class ReleaseCheckTests
{
    [Test]
    public void AnotherVersion_IsARegionMismatch_ThatNamesBothAndTheUpgrade()
    {
        RegionMismatchException? e = Assert.Throws<RegionMismatchException>(() => ReleaseCheck.ThrowIfOther("0.2.0", "0.1.0"));
        Assert.That(e!.Message, Does.Contain("DotnetWorkers 0.1.0").And.Contain("dotnet-workers 0.2.0").And.Contain("dotnet tool update --global dotnet-workers"));
    }

    [TestCase("0.1.0")]
    [TestCase(null)]
    [TestCase("")]
    public void TheSameVersion_OrALauncherThatNamesNone_Binds(string? launcher) =>
        Assert.DoesNotThrow(() => ReleaseCheck.ThrowIfOther(launcher, "0.1.0"));

    [Test]
    public void TheLibrarysVersion_IsTheVersionFiles()
    {
        string expected = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "VERSION")).Trim();
        Assert.That(expected, Is.EqualTo(ReleaseCheck.LibraryVersion), "the constant the project writes, from VERSION");
    }
}
