using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using NATS.Client.Core;

namespace Grey.Region.Daemon.Tests.Desired;

/// <summary>A stand-in for a site's desired-state subscription: collects what arrives on core NATS <c>grey.desired.&lt;site&gt;</c>.</summary>
internal sealed class DesiredListener : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private Task _collect = Task.CompletedTask;

    private DesiredListener(NatsConnection connection) => _connection = connection;

    public Channel<byte[]> Received { get; } = Channel.CreateUnbounded<byte[]>();

    public static async Task<DesiredListener> StartAsync(string url, string site)
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = url });
        await connection.ConnectAsync();
        var listener = new DesiredListener(connection);
        var ready = new TaskCompletionSource();
        listener._collect = Task.Run(async () =>
        {
            try
            {
                await using INatsSub<byte[]> sub = await connection.SubscribeCoreAsync<byte[]>("grey.desired." + site, cancellationToken: listener._stop.Token);
                ready.TrySetResult();
                await foreach (NatsMsg<byte[]> msg in sub.Msgs.ReadAllAsync(listener._stop.Token))
                {
                    listener.Received.Writer.TryWrite(msg.Data ?? []);
                }
            }
            catch (OperationCanceledException)
            {
                ready.TrySetResult();
            }
        });
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await connection.PingAsync();
        return listener;
    }

    /// <summary>The next message, or a timeout failure after <paramref name="timeout"/>.</summary>
    public async Task<byte[]> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        try
        {
            return await Received.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no desired-state change arrived");
        }
    }

    /// <summary>Whether anything arrives within <paramref name="quiet"/>.</summary>
    public async Task<bool> AnyWithinAsync(TimeSpan quiet)
    {
        using var cts = new CancellationTokenSource(quiet);
        try
        {
            await Received.Reader.ReadAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Drain()
    {
        while (Received.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>What the edge does with a message: the envelope must verify with the region's certificate, then decode strictly.</summary>
    public static DesiredChange? Verify(byte[] wire, X509Certificate2 regionCertificate, out string reason)
    {
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire);
        if (!env.IsSuccess)
        {
            reason = env.Error.Message;
            return null;
        }

        SignatureCheck check = env.Value.Verify(_ => regionCertificate);
        if (!check.IsValid)
        {
            reason = check.Reason;
            return null;
        }

        DecodeResult<DesiredChange> change = DesiredChange.Decode(env.Value.Content);
        reason = change.IsSuccess ? string.Empty : change.Error.Message;
        return change.IsSuccess ? change.Value : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _collect.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }

        await _connection.DisposeAsync();
        _stop.Dispose();
    }
}
