using Grey.Ctl.EdgeHarness;

namespace Grey.Ctl.Tests.EdgeHarness;

/// <summary>The closed-loop load and the client-ceiling endpoint, over real loopback HTTP.</summary>
public sealed class WriteLoadTests
{
    [Fact]
    public async Task RunAsync_AgainstTrivialServer_CountsEveryAcknowledgedWrite()
    {
        await using TrivialHttpServer server = await TrivialHttpServer.StartAsync();
        using var client = new EdgeKvClient(TimeProvider.System);
        byte[] value = new byte[256];
        LoadResult r = await WriteLoad.RunAsync(
            4,
            TimeSpan.FromMilliseconds(200),
            TimeSpan.FromSeconds(1),
            async (c, _, ct) => (await client.PutAsync(server.BaseAddress, "k" + c, value, null, TimeSpan.FromSeconds(5), ct)).Status == KvCallStatus.Ok,
            TimeProvider.System,
            CancellationToken.None);
        Assert.True(r.Completed > 100, $"only {r.Completed} writes in a second");
        Assert.Equal(0, r.Errors);
        Assert.Equal(r.Completed, r.Latency.Count);
        Assert.True(server.Requests >= r.Completed);
        Assert.InRange(r.Wall.TotalSeconds, 0.9, 3);
        Assert.True(r.ClientCpu > TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_FailingWrites_CountedAsErrorsNotLatencies()
    {
        LoadResult r = await WriteLoad.RunAsync(
            2,
            TimeSpan.Zero,
            TimeSpan.FromSeconds(1),
            async (_, seq, ct) =>
            {
                await Task.Delay(5, ct);
                return seq % 2 == 0 ? true : throw new InvalidOperationException("boom");
            },
            TimeProvider.System,
            CancellationToken.None);
        Assert.True(r.Errors > 0);
        Assert.True(r.Completed > 0);
        Assert.Equal(r.Completed, r.Latency.Count);
        Assert.Contains("boom", r.FirstError);
    }

    [Fact]
    public async Task EdgeKvClient_NothingListening_IsACertainFailure()
    {
        using var client = new EdgeKvClient(TimeProvider.System);
        var dead = new Uri($"http://127.0.0.1:{LoopbackPorts.Free()}/");
        KvCallResult r = await client.PutAsync(dead, "k", [1], null, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(KvCallStatus.Failed, r.Status);
    }
}
