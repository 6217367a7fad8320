namespace Grey.Edge.Uplink.Nats.Tests;

public sealed class NatsServerUrlsTests
{
    [Fact]
    public void Strip_UserInfoInFirstUrl_TakenOutOfEveryUrl()
    {
        var (urls, user, password) = NatsServerUrls.Strip("nats://site-a:p%40ss@127.0.0.1:4222, tls://other:9@h2:4223");

        Assert.Equal("nats://127.0.0.1:4222,tls://h2:4223", urls);
        Assert.Equal("site-a", user);
        Assert.Equal("p@ss", password);
    }

    [Theory]
    [InlineData("", "at least one NATS URL")]
    [InlineData("http://h:1", "must be nats://HOST:PORT")]
    [InlineData("nats://h:1,garbage", "NATS URL #2")]
    public void Check_BadList_Errors(string urls, string expected)
    {
        Assert.Contains(NatsServerUrls.Check(urls), e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Check_BadUrlWithPassword_ErrorRedactsIt()
    {
        var errors = NatsServerUrls.Check("ftp://u:topsecret@h:1");

        Assert.Single(errors);
        Assert.DoesNotContain("topsecret", errors[0], StringComparison.Ordinal);
        Assert.Contains("ftp://***@h:1", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Check_GoodList_NoErrors()
    {
        Assert.Empty(NatsServerUrls.Check("nats://127.0.0.1:4222,tls://nats.example:4443"));
        Assert.True(NatsServerUrls.WantsTls("nats://a:1,tls://b:2"));
        Assert.False(NatsServerUrls.WantsTls("nats://a:1"));
    }
}
