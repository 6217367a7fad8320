using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Grey.Edge.Daemon.Tests.Api;

public class EdgeApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private HttpClient Client => fixture.Client;

    private static string Unique(string prefix) => prefix + "/" + Guid.NewGuid().ToString("N")[..8];

    private async Task<HttpResponseMessage> Put(string key, byte[] body, string? ifMatch = null, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/" + key) { Content = new ByteArrayContent(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await Client.SendAsync(request);
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await Json(response);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task PutGet_RawBytes_RoundTripWithETag()
    {
        var key = Unique("a/b");
        byte[] value = [0, 1, 2, 255, 10];
        var put = await Put(key, value);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("\"1\"", put.Headers.ETag?.Tag);
        var get = await Client.GetAsync("/v1/kv/" + key);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(value, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal("\"1\"", get.Headers.ETag?.Tag);
        var stale = await Client.GetAsync("/v1/kv/" + key + "?stale=true");
        Assert.Equal(value, await stale.Content.ReadAsByteArrayAsync());
        Assert.Equal("\"2\"", (await Put(key, value)).Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Put_IfMatch_CompareAndSetWith412()
    {
        var key = Unique("cas");
        await Put(key, "1"u8.ToArray());
        var wrong = await Put(key, "x"u8.ToArray(), ifMatch: "\"5\"");
        await AssertError(wrong, HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal("\"1\"", wrong.Headers.ETag?.Tag);
        var right = await Put(key, "2"u8.ToArray(), ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("2", await (await Client.GetAsync("/v1/kv/" + key)).Content.ReadAsStringAsync());
        await AssertError(await Put(key, "x"u8.ToArray(), ifMatch: "5"), HttpStatusCode.BadRequest, "bad_precondition");
        await AssertError(await Put(key, "x"u8.ToArray(), ifMatch: "\"1\"", ifNoneMatch: "*"), HttpStatusCode.BadRequest, "bad_precondition");
    }

    [Fact]
    public async Task Put_IfNoneMatchStar_CreatesOnce()
    {
        var key = Unique("create");
        Assert.Equal(HttpStatusCode.OK, (await Put(key, "1"u8.ToArray(), ifNoneMatch: "*")).StatusCode);
        await AssertError(await Put(key, "2"u8.ToArray(), ifNoneMatch: "*"), HttpStatusCode.PreconditionFailed, "precondition_failed");
        await AssertError(await Put(key, "2"u8.ToArray(), ifNoneMatch: "\"3\""), HttpStatusCode.BadRequest, "bad_precondition");
    }

    [Fact]
    public async Task Delete_WithAndWithoutIfMatch()
    {
        var key = Unique("del");
        await Put(key, "1"u8.ToArray());
        using (var wrong = new HttpRequestMessage(HttpMethod.Delete, "/v1/kv/" + key))
        {
            wrong.Headers.TryAddWithoutValidation("If-Match", "\"9\"");
            await AssertError(await Client.SendAsync(wrong), HttpStatusCode.PreconditionFailed, "precondition_failed");
        }

        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteAsync("/v1/kv/" + key)).StatusCode);
        await AssertError(await Client.GetAsync("/v1/kv/" + key), HttpStatusCode.NotFound, "not_found");
        await AssertError(await Client.DeleteAsync("/v1/kv/" + key), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Put_OversizedValue_413AndNothingStored()
    {
        var key = Unique("big");
        await AssertError(await Put(key, new byte[64 * 1024 + 1]), HttpStatusCode.RequestEntityTooLarge, "value_too_large");
        await AssertError(await Client.GetAsync("/v1/kv/" + key), HttpStatusCode.NotFound, "not_found");
        Assert.Equal(HttpStatusCode.OK, (await Put(key, new byte[64 * 1024])).StatusCode);
    }

    [Fact]
    public async Task Writes_DesiredKeys_403()
    {
        await AssertError(await Put("desired/fan", "on"u8.ToArray()), HttpStatusCode.Forbidden, "forbidden");
        await AssertError(await Client.DeleteAsync("/v1/kv/desired/fan"), HttpStatusCode.Forbidden, "forbidden");
        await AssertError(await Client.PostAsync("/v1/counters/desired/c", new StringContent("1")), HttpStatusCode.Forbidden, "forbidden");
        await AssertError(await Client.PostAsync("/v1/sets/desired/s", new StringContent("{\"add\":\"m\"}")), HttpStatusCode.Forbidden, "forbidden");
        await AssertError(await Client.GetAsync("/v1/kv/desired/fan"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Keys_Invalid_400()
    {
        await AssertError(await Put("has%20space", "1"u8.ToArray()), HttpStatusCode.BadRequest, "bad_key");
        await AssertError(await Put(new string('k', 257), "1"u8.ToArray()), HttpStatusCode.BadRequest, "bad_key");
    }

    [Fact]
    public async Task List_Prefix_ReturnsMatchingKeysInOrder()
    {
        var prefix = Unique("list") + "/";
        foreach (var k in new[] { "b", "a", "c" })
        {
            await Put(prefix + k, Encoding.UTF8.GetBytes(k));
        }

        await Client.PostAsync("/v1/counters/" + prefix + "d", new StringContent("4"));
        var body = await Json(await Client.GetAsync("/v1/kv?prefix=" + Uri.EscapeDataString(prefix)));
        var items = body.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal([prefix + "a", prefix + "b", prefix + "c", prefix + "d"], items.Select(i => i.GetProperty("key").GetString()));
        Assert.Equal(Convert.ToBase64String("a"u8), items[0].GetProperty("value").GetString());
        Assert.Equal(4, items[3].GetProperty("counter").GetInt64());
        Assert.False(body.GetProperty("truncated").GetBoolean());
        var limited = await Json(await Client.GetAsync("/v1/kv?limit=2&prefix=" + Uri.EscapeDataString(prefix)));
        Assert.True(limited.GetProperty("truncated").GetBoolean());
        await AssertError(await Client.GetAsync("/v1/kv?limit=0"), HttpStatusCode.BadRequest, "bad_limit");
    }

    [Fact]
    public async Task Counters_AddAndGet_MalformedBody400()
    {
        var key = Unique("counter");
        Assert.Equal(0, (await Json(await Client.GetAsync("/v1/counters/" + key))).GetProperty("value").GetInt64());
        Assert.Equal(5, (await Json(await Client.PostAsync("/v1/counters/" + key, new StringContent("5")))).GetProperty("value").GetInt64());
        Assert.Equal(2, (await Json(await Client.PostAsync("/v1/counters/" + key, new StringContent("-3")))).GetProperty("value").GetInt64());
        var got = await Json(await Client.GetAsync("/v1/counters/" + key));
        Assert.Equal(2, got.GetProperty("value").GetInt64());
        Assert.Equal(2UL, got.GetProperty("revision").GetUInt64());
        await AssertError(await Client.PostAsync("/v1/counters/" + key, new StringContent("five")), HttpStatusCode.BadRequest, "bad_amount");
        await AssertError(await Client.PostAsync("/v1/counters/" + key, new StringContent("1.5")), HttpStatusCode.BadRequest, "bad_amount");
        await AssertError(await Client.PostAsync("/v1/counters/" + key, new ByteArrayContent(new byte[5000])), HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        await Client.PostAsync("/v1/counters/" + key, new StringContent((long.MaxValue - 2).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await AssertError(await Client.PostAsync("/v1/counters/" + key, new StringContent("1")), HttpStatusCode.Conflict, "overflow");
        await AssertError(await Client.GetAsync("/v1/kv/" + key), HttpStatusCode.Conflict, "wrong_type");
    }

    [Fact]
    public async Task Sets_AddRemoveGet_MalformedBodies400()
    {
        var key = Unique("set");
        Assert.Equal(HttpStatusCode.OK, (await Client.PostAsync("/v1/sets/" + key, new StringContent("{\"add\":\"red\"}"))).StatusCode);
        await Client.PostAsync("/v1/sets/" + key, new StringContent("{\"add\":\"blue\"}"));
        await Client.PostAsync("/v1/sets/" + key, new StringContent("{\"remove\":\"red\"}"));
        var got = await Json(await Client.GetAsync("/v1/sets/" + key));
        Assert.Equal(["blue"], got.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        await AssertError(await Client.PostAsync("/v1/sets/" + key, new StringContent("{\"add\":")), HttpStatusCode.BadRequest, "bad_json");
        await AssertError(await Client.PostAsync("/v1/sets/" + key, new StringContent("{\"add\":\"a\",\"remove\":\"b\"}")), HttpStatusCode.BadRequest, "bad_set_change");
        await AssertError(await Client.PostAsync("/v1/sets/" + key, new StringContent("{}")), HttpStatusCode.BadRequest, "bad_set_change");
        await AssertError(await Client.PostAsync("/v1/sets/" + key, new StringContent("{\"add\":\"\"}")), HttpStatusCode.BadRequest, "bad_member");
        await AssertError(await Client.PostAsync("/v1/sets/" + key, new StringContent("{\"add\":\"a\\u0001\"}")), HttpStatusCode.BadRequest, "bad_member");
        await AssertError(await Client.PostAsync("/v1/counters/" + key, new StringContent("1")), HttpStatusCode.Conflict, "wrong_type");
    }

    [Fact]
    public async Task StatusHealthMetrics_Report()
    {
        var status = await Json(await Client.GetAsync("/v1/status"));
        Assert.Equal("leader", status.GetProperty("role").GetString());
        Assert.True(status.GetProperty("can_commit").GetBoolean());
        Assert.Equal(16, status.GetProperty("epoch").GetString()!.Length);
        Assert.Equal(64, status.GetProperty("chain_hash").GetString()!.Length);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz")).StatusCode);
        await Put(Unique("m"), "1"u8.ToArray());
        var metrics = await (await Client.GetAsync("/metrics")).Content.ReadAsStringAsync();
        foreach (var name in new[] { "grey_edge_commit_latency_seconds_count", "grey_edge_fsync_latency_seconds_bucket", "grey_edge_proposals_total", "grey_edge_elections_total", "grey_edge_wal_bytes" })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }

        var walBytes = metrics.Split('\n').First(l => l.StartsWith("grey_edge_wal_bytes ", StringComparison.Ordinal));
        Assert.True(long.Parse(walBytes.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task Membership_BadRequests_4xx()
    {
        await AssertError(await Client.PostAsync("/v1/members/abc/learner", null), HttpStatusCode.BadRequest, "bad_member_id");
        await AssertError(await Client.PostAsync("/v1/leader/transfer", new StringContent("{\"to\":")), HttpStatusCode.BadRequest, "bad_json");
        await AssertError(await Client.PostAsync("/v1/leader/transfer", new StringContent("{\"to\":9}")), HttpStatusCode.BadRequest, "bad_transfer");
        await AssertError(await Client.DeleteAsync("/v1/members/0"), HttpStatusCode.BadRequest, "bad_member_id");
        await AssertError(await Client.PostAsync("/v1/members/8/learner", new StringContent("{\"peer\":")), HttpStatusCode.BadRequest, "bad_json");
        foreach (var peer in new[] { "\"nope\"", "\"127.0.0.1\"", "\"127.0.0.1:0\"", "\"127.0.0.1:70000\"", "\"node-4:7004\"", "null", "7004" })
        {
            await AssertError(await Client.PostAsync("/v1/members/8/learner", new StringContent("{\"peer\":" + peer + "}")), HttpStatusCode.BadRequest, peer == "7004" ? "bad_json" : "bad_peer");
        }

        await AssertError(await Client.PostAsync("/v1/members/0/learner", new StringContent("{\"peer\":\"127.0.0.1:7004\"}")), HttpStatusCode.BadRequest, "bad_member_id");
        var status = await Json(await Client.GetAsync("/v1/status"));
        Assert.DoesNotContain(8UL, status.GetProperty("learners").EnumerateArray().Select(e => e.GetUInt64()));
    }

    [Fact]
    public async Task Membership_AddLearnerWithPeerAddress_AddressCommittedThenLearnerAdded()
    {
        var added = await Client.PostAsync("/v1/members/9/learner", new StringContent("{\"peer\":\"127.0.0.1:7009\"}"));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Contains(9UL, (await Json(added)).GetProperty("learners").EnumerateArray().Select(e => e.GetUInt64()));
        Assert.True(fixture.Host.Node.TryGetMemberPeer(9, out var address));
        Assert.Equal("127.0.0.1:7009", address);
        Assert.Equal(HttpStatusCode.OK, (await Client.DeleteAsync("/v1/members/9")).StatusCode);
    }

    [Fact]
    public async Task Membership_AddLearnerThenRemove_Applied()
    {
        var added = await Client.PostAsync("/v1/members/7/learner", null);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Contains(7UL, (await Json(added)).GetProperty("learners").EnumerateArray().Select(e => e.GetUInt64()));
        var removed = await Client.DeleteAsync("/v1/members/7");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.DoesNotContain(7UL, (await Json(removed)).GetProperty("learners").EnumerateArray().Select(e => e.GetUInt64()));
    }

    [Fact]
    public async Task Forward_MalformedCommand_400()
    {
        using var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await AssertError(await Client.PostAsync("/internal/v1/propose", content), HttpStatusCode.BadRequest, "bad_command");
    }
}
