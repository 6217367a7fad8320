using Grey.Region.Daemon.Nats;

namespace Grey.Region.Daemon.Mqtt;

/// <summary>
/// What <c>grey-region</c> runs for its MQTT settings: the embedded broker (when asked for) and the MQTT transport
/// connected to it or to the external broker, with the client id <c>grey-region-&lt;region&gt;</c> (the session
/// key, stable across restarts). Disposing it stops both.
/// </summary>
internal sealed class MqttDaemonLink : IAsyncDisposable
{
    private MqttDaemonLink(MqttEmbeddedBroker? broker, MqttRegionTransport transport)
    {
        Broker = broker;
        Transport = transport;
    }

    /// <summary>The embedded broker, or null.</summary>
    public MqttEmbeddedBroker? Broker { get; }

    /// <summary>The transport (not owned by the caller: disposing the link disposes it, unless a composite took it over).</summary>
    public MqttRegionTransport Transport { get; }

    /// <summary>
    /// Starts the embedded broker if configured, then connects. Throws an <see cref="IOException"/> (or the bind's
    /// <see cref="System.Net.Sockets.SocketException"/>) when either fails: a start-up failure, the daemon exits 1.
    /// </summary>
    public static Task<MqttDaemonLink> StartAsync(MqttDaemonSettings settings, string region, IReadOnlyList<string> peerRegions, MqttRegionLimits limits,
        RegionRequestHandler? requests, CancellationToken cancellationToken) =>
        StartAsync(settings, region, peerRegions, limits, requests, clientId: null, cancellationToken);

    /// <summary>As above, with the client id (and so the session) given: each shard of a sharded region has its own; null is <c>grey-region-&lt;region&gt;</c>.</summary>
    public static async Task<MqttDaemonLink> StartAsync(MqttDaemonSettings settings, string region, IReadOnlyList<string> peerRegions, MqttRegionLimits limits,
        RegionRequestHandler? requests, string? clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        MqttEmbeddedBroker? broker = settings.Embedded is { } endpoint ? await MqttEmbeddedBroker.StartAsync(endpoint).ConfigureAwait(false) : null;
        try
        {
            var connection = new MqttRegionConnection(settings.Host, broker?.Endpoint.Port ?? settings.Port, clientId ?? "grey-region-" + region, settings.UserName, settings.ReadPassword());
            MqttRegionTransport transport = await MqttRegionTransport.StartAsync(connection, region, peerRegions, limits, requests, cancellationToken).ConfigureAwait(false);
            return new MqttDaemonLink(broker, transport);
        }
        catch (Exception e)
        {
            if (broker is not null)
            {
                await broker.DisposeAsync().ConfigureAwait(false);
            }

            if (e is Grey.Region.Hosting.RegionTransportException)
            {
                throw new IOException(e.Message, e);
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync().ConfigureAwait(false);
        if (Broker is not null)
        {
            await Broker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
