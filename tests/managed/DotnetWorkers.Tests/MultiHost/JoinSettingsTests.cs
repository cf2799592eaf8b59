using DotnetWorkers.MultiHost;
using NUnit.Framework;

namespace DotnetWorkers.Tests.MultiHost;

/// <summary>What a process reads of the launcher's --join: the address, its host's id, and the password from a file or the environment.</summary>
public class JoinSettingsTests
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] set) =>
        name => set.FirstOrDefault(v => v.Name == name).Value;

    [Test]
    public void NotJoined_WithoutTheVariable()
    {
        Assert.That(JoinSettings.FromEnvironment(Variables()), Is.Null);
        Assert.That(JoinSettings.FromEnvironment(Variables((JoinSettings.UrlVariable, ""))), Is.Null);
    }

    [Test]
    public void TheLaunchersUrl_IsSplitIntoItsParts()
    {
        JoinSettings? plain = JoinSettings.FromEnvironment(Variables(
            (JoinSettings.UrlVariable, "redis://cache.internal:6380/shop"), (JoinSettings.HostVariable, "m1:42:00ff")));
        JoinSettings? v6 = JoinSettings.FromEnvironment(Variables((JoinSettings.UrlVariable, "rediss://[::1]:7000/x")));
        Assert.Multiple(() =>
        {
            Assert.That(plain, Is.EqualTo(new JoinSettings("redis://cache.internal:6380/shop", false, "cache.internal", 6380, "shop", null, "m1:42:00ff")));
            Assert.That(v6!.Tls, Is.True);
            Assert.That(v6.Host, Is.EqualTo("::1"));
            Assert.That(v6.Port, Is.EqualTo(7000));
            Assert.That(v6.HostInstanceId, Does.StartWith(Environment.MachineName + ":"), "a process started by hand still gets an id");
        });
    }

    [TestCase("http://h:1/n")]
    [TestCase("redis://h/n")]
    [TestCase("redis://h:x/n")]
    public void AUrlTheLauncherWouldNotWrite_IsAnError(string url)
    {
        var e = Assert.Throws<DotnetWorkersException>(() => JoinSettings.FromEnvironment(Variables((JoinSettings.UrlVariable, url))));
        Assert.That(e!.Message, Is.EqualTo($"DOTNET_WORKERS_JOIN='{url}' is not the launcher's redis://HOST:PORT/NAME."));
    }

    [Test]
    public void ThePassword_IsTheFilesFirstLine_BeforeTheEnvironments_AndNeverShown()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "from-the-file  \nsecond line\n");
            JoinSettings? settings = JoinSettings.FromEnvironment(Variables(
                (JoinSettings.UrlVariable, "redis://h:1/n"), (JoinSettings.PasswordFileVariable, file), (JoinSettings.PasswordVariable, "from-env")));
            JoinSettings? fromEnvironment = JoinSettings.FromEnvironment(Variables(
                (JoinSettings.UrlVariable, "redis://h:1/n"), (JoinSettings.PasswordVariable, "from-env")));
            Assert.Multiple(() =>
            {
                Assert.That(settings!.Password, Is.EqualTo("from-the-file"));
                Assert.That(fromEnvironment!.Password, Is.EqualTo("from-env"));
                Assert.That(settings.ToString(), Is.EqualTo("redis://h:1/n"));
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void AnUnreadablePasswordFile_IsAnErrorThatNamesIt()
    {
        var e = Assert.Throws<DotnetWorkersException>(() => JoinSettings.FromEnvironment(Variables(
            (JoinSettings.UrlVariable, "redis://h:1/n"), (JoinSettings.PasswordFileVariable, "/nonexistent/password"))));
        Assert.That(e!.Message, Does.StartWith("--join-password-file /nonexistent/password: cannot read it ("));
    }
}
