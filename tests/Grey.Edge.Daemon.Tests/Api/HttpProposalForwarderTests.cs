using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Grey.Edge.Daemon.Api;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Daemon.Tests.Api;

public class HttpProposalForwarderTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static Command Put(string key, byte value) => new() { Kind = CommandKind.Put, Key = key, Value = new[] { value } };

    [Fact]
    public async Task ForwardAsync_ManyConcurrentWrites_AllApplyOnTheLeaderInOrderOfTheirKey()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var forwarder = new HttpProposalForwarder(client, "n9");
        var key = "fwd/" + Guid.NewGuid().ToString("N")[..8];

        // More writes than one batch holds and more than the in-flight limit: they must queue and batch.
        var writes = Enumerable.Range(0, ForwardBatchCodec.MaxCommands * 2).Select(i => forwarder.ForwardAsync(1, fixture.Host.ApiUrl, Put(key + "/" + (i % 7), (byte)i), CancellationToken.None).AsTask()).ToArray();
        var results = await Task.WhenAll(writes);
        Assert.All(results, r => Assert.Equal(ProposalStatus.Applied, r.Status));
        Assert.All(results, r => Assert.Equal(CommandStatus.Ok, r.Outcome.Status));

        // Each key's revisions are 1..n without gaps or duplicates: every write applied exactly once.
        for (var k = 0; k < 7; k++)
        {
            var revisions = results.Where((_, i) => i % 7 == k).Select(r => r.Outcome.Revision).Order().ToArray();
            Assert.Equal(Enumerable.Range(1, revisions.Length).Select(i => (ulong)i), revisions);
        }

        var stored = fixture.Host.Node.Query(m => m.Find(key + "/0")?.Revision);
        Assert.Equal((ulong)results.Where((_, i) => i % 7 == 0).Count(), stored);
    }

    [Fact]
    public async Task ForwardAsync_DesiredKey_ForbiddenByTheLeader()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var forwarder = new HttpProposalForwarder(client, "n9");
        var result = await forwarder.ForwardAsync(1, fixture.Host.ApiUrl, Put("desired/x", 1), CancellationToken.None);
        Assert.Equal(ProposalStatus.Applied, result.Status);
        Assert.Equal(CommandStatus.Forbidden, result.Outcome.Status);
    }

    [Fact]
    public async Task ForwardAsync_LeaderUnreachable_NoLeader()
    {
        // A port that was free a moment ago: the connection is refused, so nothing reached any log.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var forwarder = new HttpProposalForwarder(client, "n9");
        var result = await forwarder.ForwardAsync(1, $"http://127.0.0.1:{port}", Put("k", 1), CancellationToken.None);
        Assert.Equal(ProposalStatus.NoLeader, result.Status);
    }

    [Fact]
    public async Task BatchRoute_MalformedBatch_400()
    {
        // One command announced with 9 bytes but only 3 follow: the batch framing itself is broken.
        using var content = new ByteArrayContent([ForwardBatchCodec.Version, 1, 0, 9, 0, 0, 0, 1, 2, 3]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await fixture.Client.PostAsync(EdgeApi.ForwardBatchPath, content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task BatchRoute_MalformedCommandInsideAValidBatch_DroppedWithoutProposing()
    {
        var body = ForwardBatchCodec.EncodeRequest([[1, 2, 3], CommandCodec.Encode(Put("fwd-ok/" + Guid.NewGuid().ToString("N")[..8], 1) with { Origin = "n9" })]);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await fixture.Client.PostAsync(EdgeApi.ForwardBatchPath, content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(ForwardBatchCodec.TryDecodeAnswer(await response.Content.ReadAsByteArrayAsync(), 2, out var results, out var error), error);
        Assert.Equal(ProposalStatus.Dropped, results[0].Status);
        Assert.Equal(ProposalStatus.Applied, results[1].Status);
        Assert.Equal(1UL, results[1].Outcome.Revision);
    }
}
