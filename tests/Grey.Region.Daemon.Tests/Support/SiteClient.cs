using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace Grey.Region.Daemon.Tests.Support;

/// <summary>A stand-in for a site's uplink: publishes deltas on JetStream (with Nats-Msg-Id and Grey-Committed) and collects acks, NAKs and revocation notices.</summary>
internal sealed class SiteClient : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly INatsJSContext _js;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _subscriptions = [];

    private SiteClient(NatsConnection connection, string site)
    {
        _connection = connection;
        _js = connection.CreateJetStreamContext();
        Site = site;
    }

    public string Site { get; }

    public Channel<byte[]> Acks { get; } = Channel.CreateUnbounded<byte[]>();

    public Channel<byte[]> Naks { get; } = Channel.CreateUnbounded<byte[]>();

    public Channel<byte[]> Revocations { get; } = Channel.CreateUnbounded<byte[]>();

    public static async Task<SiteClient> StartAsync(string url, string site)
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = url, MaxReconnectRetry = -1, ReconnectWaitMin = TimeSpan.FromMilliseconds(100), ReconnectWaitMax = TimeSpan.FromMilliseconds(500) });
        await connection.ConnectAsync();
        var client = new SiteClient(connection, site);
        client._subscriptions.Add(client.Collect("grey.ack." + site, client.Acks));
        client._subscriptions.Add(client.Collect("grey.nak." + site, client.Naks));
        client._subscriptions.Add(client.Collect("grey.revoke." + site, client.Revocations));
        await connection.PingAsync();
        return client;
    }

    /// <summary>Publishes on <c>grey.delta.&lt;region&gt;.&lt;site&gt;</c> until the broker accepts it (retrying while the broker is away, as the uplink does).</summary>
    public async Task PublishAsync(string region, byte[] wire, string messageId, ulong? committed = null, string? subjectSite = null)
    {
        var headers = new NatsHeaders { ["Nats-Msg-Id"] = messageId };
        if (committed is { } c)
        {
            headers["Grey-Committed"] = c.ToString(CultureInfo.InvariantCulture);
        }

        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                PubAckResponse ack = await _js.PublishAsync($"grey.delta.{region}.{subjectSite ?? Site}", wire, headers: headers, cancellationToken: timeout.Token);
                ack.EnsureSuccess();
                return;
            }
            catch (Exception e) when ((e is NatsException or OperationCanceledException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Reads acks (verifying each with the region's certificate) until one reaches <paramref name="mergedIndex"/>.</summary>
    public async Task<RegionAck> WaitAckAsync(X509Certificate2 regionCertificate, ulong mergedIndex, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            byte[] wire;
            try
            {
                wire = await Acks.Reader.ReadAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no ack of {Site} at {mergedIndex}");
            }

            RegionAck ack = VerifyAck(wire, regionCertificate);
            if (ack.MergedIndex >= mergedIndex)
            {
                return ack;
            }
        }
    }

    public static RegionAck VerifyAck(byte[] wire, X509Certificate2 regionCertificate)
    {
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire);
        Assert.True(env.IsSuccess, env.IsSuccess ? null : env.Error.Message);
        SignatureCheck check = env.Value.Verify(_ => regionCertificate);
        Assert.True(check.IsValid, check.Reason);
        DecodeResult<RegionAck> ack = RegionAck.Decode(env.Value.Content);
        Assert.True(ack.IsSuccess);
        return ack.Value;
    }

    public async Task<SiteNak> WaitNakAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        byte[] wire = await Naks.Reader.ReadAsync(cts.Token);
        DecodeResult<SiteNak> nak = SiteNak.Decode(wire);
        Assert.True(nak.IsSuccess);
        return nak.Value;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_subscriptions).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }

        await _connection.DisposeAsync();
        _stop.Dispose();
    }

    private async Task Collect(string subject, Channel<byte[]> into)
    {
        try
        {
            await foreach (NatsMsg<byte[]> msg in _connection.SubscribeAsync<byte[]>(subject, cancellationToken: _stop.Token))
            {
                into.Writer.TryWrite(msg.Data ?? []);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
