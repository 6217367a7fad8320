using System.Text.Json;
using Grey.Edge.Daemon.Api;
using Microsoft.AspNetCore.Http;

namespace Grey.Edge.Daemon.Tests.Api;

/// <summary>
/// The hand-written answer to a successful key write (<see cref="EdgeApi.WriteKvWritten"/>) must say exactly what the
/// serializer's <see cref="KvWriteResult"/> says, with a Content-Length equal to the bytes written.
/// </summary>
public class EdgeApiWriteAnswerTests
{
    public static TheoryData<string, ulong, ulong> Cases => new()
    {
        { "a", 0, 0 },
        { "line/3/speed", 1, 7 },
        { "q\"uote", 9, 10 },
        { "back\\slash\\", 99, 100 },
        { "x<y>&'+=`~!", 12345, 67890 },
        { new string('k', 256), ulong.MaxValue, ulong.MaxValue - 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WriteKvWritten_AnyKeyAndNumbers_SameJsonAsTheSerializer(string key, ulong revision, ulong index)
    {
        var ctx = new DefaultHttpContext();
        using var body = new MemoryStream();
        ctx.Response.Body = body;

        EdgeApi.WriteKvWritten(ctx, key, revision, index);
        await ctx.Response.BodyWriter.FlushAsync();

        var written = body.ToArray();
        Assert.Equal(200, ctx.Response.StatusCode);
        Assert.Equal("application/json", ctx.Response.ContentType);
        Assert.Equal(written.Length, ctx.Response.ContentLength);
        var expected = JsonSerializer.SerializeToUtf8Bytes(new KvWriteResult(key, revision, index), ApiJson.Default.KvWriteResult);
        using var got = JsonDocument.Parse(written);
        using var want = JsonDocument.Parse(expected);
        Assert.Equal(want.RootElement.EnumerateObject().Select(p => p.Name), got.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(key, got.RootElement.GetProperty("key").GetString());
        Assert.Equal(revision, got.RootElement.GetProperty("revision").GetUInt64());
        Assert.Equal(index, got.RootElement.GetProperty("index").GetUInt64());
    }
}
