using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Grey.Edge.Uplink.Nats.Tests.Support;

/// <summary>Helpers shared by the uplink tests: options, the region's stream, reading the inbound channel.</summary>
internal static class UplinkTestKit
{
    public const string Region = "r1";

    public static NatsUplinkOptions Options(string url, string site, string? creds = null) => new()
    {
        Region = Region,
        Site = site,
        Urls = url,
        CredentialsFile = creds,
        AttemptTimeout = TimeSpan.FromSeconds(2),
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
    };

    public static NatsUplink Start(NatsUplinkOptions options, int seed, ListLoggerFactory? logs = null) =>
        NatsUplink.Start(options, TimeProvider.System, new Random(seed), logs);

    /// <summary>Creates the region's delta stream as grey-region does (the edge never does).</summary>
    public static async Task<NatsJSContext> CreateDeltaStreamAsync(NatsConnection region, string regionId = Region)
    {
        var js = new NatsJSContext(region);
        await js.CreateStreamAsync(new StreamConfig($"GREY_DELTA_{regionId.ToUpperInvariant().Replace('-', '_')}", [$"grey.delta.{regionId}.*"])
        {
            DuplicateWindow = TimeSpan.FromMinutes(2),
            MaxBytes = 64L * 1024 * 1024,
        });
        return js;
    }

    public static OutgoingDelta Delta(string site, ulong first, ulong last, int bytes = 64, ulong committed = 0)
    {
        var wire = new byte[bytes];
        for (var i = 0; i < wire.Length; i++)
        {
            wire[i] = (byte)(i * 7 + (int)first);
        }

        return new OutgoingDelta($"{site}:1:{first}-{last}", first, last, wire, committed == 0 ? last : committed);
    }

    /// <summary>Reads inbound messages until one of <paramref name="kind"/> arrives, or fails after the timeout.</summary>
    public static async Task<UplinkInbound> NextAsync(IUplink uplink, UplinkInboundKind kind, TimeSpan timeout, List<UplinkInbound>? seen = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await uplink.Inbound.WaitToReadAsync(cts.Token))
            {
                while (uplink.Inbound.TryRead(out var item))
                {
                    seen?.Add(item);
                    if (item.Kind == kind)
                    {
                        return item;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"no {kind} within {timeout}; saw: {string.Join(", ", seen?.Select(s => s.Kind.ToString()) ?? [])}");
    }

    public static async Task<NatsConnection> ConnectAsync(string url, NatsAuthOpts? auth = null)
    {
        var c = new NatsConnection(NatsOpts.Default with { Url = url, AuthOpts = auth ?? NatsAuthOpts.Default });
        await c.ConnectAsync();
        return c;
    }
}
