using System.Net;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>
/// An MQTT broker hosted in the region process (MQTTnet.Server, <c>--mqtt-embedded HOST:PORT</c>) for sites where
/// nothing else may be installed. Sessions are persistent while the process runs (a site or the region reconnecting
/// with clean start off gets what was queued for it); they do not survive a restart of the region process, which
/// loses nothing either: an unacknowledged delta stays in the site's outbox and is resent, and what was merged is
/// in the region's own store. Every client may connect (there is no user list here): bind it to a trusted network;
/// deltas, acks and notices are signed, so a stray client can neither forge data nor acknowledgements.
/// </summary>
internal sealed class MqttEmbeddedBroker : IAsyncDisposable
{
    /// <summary>Most messages the broker queues for one client (a region or site that is away) before it drops the oldest. Default 100,000.</summary>
    public const int MaxPendingMessagesPerClient = 100_000;

    /// <summary>Most time a client may take for one packet exchange before it is disconnected.</summary>
    public static readonly TimeSpan CommunicationTimeout = TimeSpan.FromSeconds(10);

    private readonly MqttServer _server;
    private int _disposed;

    private MqttEmbeddedBroker(MqttServer server, IPEndPoint endpoint)
    {
        _server = server;
        Endpoint = endpoint;
    }

    /// <summary>Where it listens.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>Clients connected now.</summary>
    public async Task<int> ConnectedClientsAsync() => (await _server.GetClientsAsync().ConfigureAwait(false)).Count;

    /// <summary>Starts listening on <paramref name="endpoint"/>. Throws when the port cannot be bound (the daemon exits 1).</summary>
    public static async Task<MqttEmbeddedBroker> StartAsync(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        MqttServerOptions options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(endpoint.Address)
            .WithDefaultEndpointPort(endpoint.Port)
            .WithPersistentSessions(true)
            .WithMaxPendingMessagesPerClient(MaxPendingMessagesPerClient)
            .WithDefaultCommunicationTimeout(CommunicationTimeout)
            .Build();
        MqttServer server = new MqttServerFactory().CreateMqttServer(options);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return new MqttEmbeddedBroker(server, endpoint);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _server.StopAsync(new MqttServerStopOptions
        {
            DefaultClientDisconnectOptions = new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.ServerShuttingDown },
        }).ConfigureAwait(false);
        _server.Dispose();
    }
}
