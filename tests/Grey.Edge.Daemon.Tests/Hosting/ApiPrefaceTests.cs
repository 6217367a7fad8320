using System.Text;
using Grey.Edge.Daemon.Hosting;

namespace Grey.Edge.Daemon.Tests.Hosting;

public sealed class ApiPrefaceTests
{
    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "Http2")]
    [InlineData("PRI", "Http2")]
    [InlineData("PUT /v1/kv/a HTTP/1.1\r\n", "Http1")]
    [InlineData("GET /healthz HTTP/1.1\r\n", "Http1")]
    [InlineData("POST /v1/counters/c HTTP/1.1\r\n", "Http1")]
    [InlineData("PATCH / HTTP/1.1\r\n", "Http1")]
    [InlineData("PROPFIND / HTTP/1.1\r\n", "Http1")]
    [InlineData("\u0016\u0003\u0001", "Http1")] // a TLS hello on the plaintext port: HTTP/1.1 answers 400
    [InlineData("P", "NeedMore")]
    [InlineData("PR", "NeedMore")]
    [InlineData("", "NeedMore")]
    public void Classify_DecidesOnTheMethod(string first, string expected) =>
        Assert.Equal(Enum.Parse<ApiPrefaceKind>(expected), ApiPreface.Classify(Encoding.Latin1.GetBytes(first)));

    [Fact]
    public void Classify_EveryPrefixOfRandomBytes_NeverChangesOnceDecided()
    {
        var seed = Environment.TickCount;
        Console.WriteLine($"ApiPrefaceTests seed {seed}");
        var random = new Random(seed);
        for (var round = 0; round < 10_000; round++)
        {
            // Bias towards the interesting bytes so the preface's prefixes come up often.
            var bytes = new byte[random.Next(0, 8)];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = random.Next(3) == 0 ? (byte)random.Next(256) : "PRI"u8[Math.Min(i, 2)];
            }

            var decided = ApiPrefaceKind.NeedMore;
            for (var n = 0; n <= bytes.Length; n++)
            {
                var kind = ApiPreface.Classify(bytes.AsSpan(0, n));
                if (decided != ApiPrefaceKind.NeedMore)
                {
                    Assert.True(kind == decided, $"seed {seed}: {Convert.ToHexString(bytes)} decided {decided}, then {kind} at {n} bytes");
                }

                decided = kind;
            }

            var expected = bytes.Length >= 3 && bytes.AsSpan(0, 3).SequenceEqual("PRI"u8) ? ApiPrefaceKind.Http2
                : bytes.AsSpan().SequenceEqual("PRI"u8[..Math.Min(bytes.Length, 3)]) ? ApiPrefaceKind.NeedMore
                : ApiPrefaceKind.Http1;
            Assert.True(expected == decided, $"seed {seed}: {Convert.ToHexString(bytes)} gave {decided}, expected {expected}");
        }
    }
}
