using System.Collections.Concurrent;
using System.Text;
using NATS.Client.Core;

namespace Grey.Ctl.Fleet;

/// <summary>
/// <see cref="IDeltaTap"/> over NATS: a core subscription to <c>grey.delta.&gt;</c> (JetStream-published messages are
/// seen by core subscribers too), and core publishes on the same subject, which the region's stream captures.
/// </summary>
internal sealed class NatsDeltaTap : IDeltaTap
{
    /// <summary>The header JetStream de-duplicates on.</summary>
    public const string MsgIdHeader = "Nats-Msg-Id";

    private readonly NatsConnection _connection;
    private readonly ConcurrentDictionary<string, CapturedDelta> _latest = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _seen;

    private NatsDeltaTap(NatsConnection connection)
    {
        _connection = connection;
        _loop = Task.Run(LoopAsync);
    }

    /// <inheritdoc />
    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>Connects to <paramref name="url"/> and subscribes (the connection retries for ever across broker restarts).</summary>
    public static async Task<NatsDeltaTap> StartAsync(string url, CancellationToken cancellationToken)
    {
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = url,
            Name = "greyctl-fleet-tap",
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(1),
            LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        });
        await connection.ConnectAsync().ConfigureAwait(false);
        var tap = new NatsDeltaTap(connection);
        // Let the subscription reach the server before the fleet writes.
        await connection.PingAsync(cancellationToken).ConfigureAwait(false);
        return tap;
    }

    /// <inheritdoc />
    public CapturedDelta? Latest(string site) => _latest.GetValueOrDefault(site);

    /// <inheritdoc />
    public async Task PublishAsync(CapturedDelta like, ReadOnlyMemory<byte> wire, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(like);
        var headers = new NatsHeaders();
        foreach ((string key, byte[] value) in like.Properties)
        {
            if (key != MsgIdHeader)
            {
                headers[key] = Encoding.UTF8.GetString(value);
            }
        }

        headers[MsgIdHeader] = messageId;
        await _connection.PublishAsync($"grey.delta.{like.Region}.{like.Site}", wire.ToArray(), headers, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        await foreach (NatsMsg<byte[]> msg in _connection.SubscribeAsync<byte[]>("grey.delta.>", cancellationToken: _stop.Token).ConfigureAwait(false))
        {
            string[] parts = msg.Subject.Split('.');
            if (parts.Length != 4 || msg.Data is null)
            {
                continue;
            }

            var properties = new List<KeyValuePair<string, byte[]>>();
            if (msg.Headers is { } h)
            {
                foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> pair in h)
                {
                    properties.Add(new(pair.Key, Encoding.UTF8.GetBytes(pair.Value.ToString())));
                }
            }

            _latest[parts[3]] = new CapturedDelta(parts[2], parts[3], msg.Data, properties);
            Interlocked.Increment(ref _seen);
        }
    }
}
