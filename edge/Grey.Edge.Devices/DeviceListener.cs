using System.Buffers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Grey.Edge.Devices;

/// <summary>
/// A local MQTT listener (MQTTnet.Server) through which devices write into the site: a PUBLISH on
/// <c>grey/kv/&lt;key&gt;</c> becomes a put of that key through the injected write function (the daemon passes the
/// node's propose), and the device's PUBACK is sent only after that write committed: MQTTnet awaits the
/// <c>InterceptingPublishAsync</c> handler before it queues the PUBACK, and handles one connection's PUBLISH
/// packets one after another. It is no broker: nothing is routed between devices, subscriptions are refused.
/// Refusals carry MQTT 5 reason codes (docs/MQTT.md); an MQTT 3.1.1 device, whose PUBACK cannot say no, is
/// disconnected instead, so it never mistakes a refusal for a commit. The one entry point is <see cref="StartAsync"/>.
/// </summary>
internal sealed class DeviceListener : IAsyncDisposable
{
    private const string DeviceItem = "grey.device";
    private const string Version5Item = "grey.v5";

    private readonly DeviceListenerOptions options;
    private readonly Func<string, ReadOnlyMemory<byte>, CancellationToken, ValueTask<DeviceWriteResult>> write;
    private readonly DeviceUsers? users;
    private readonly X509Certificate2Collection? clientCa;
    private readonly X509Certificate2? serverCertificate;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly SemaphoreSlim writeSlots;
    private readonly MqttServer server;
    private int disposed;

    private DeviceListener(
        DeviceListenerOptions options,
        Func<string, ReadOnlyMemory<byte>, CancellationToken, ValueTask<DeviceWriteResult>> write,
        DeviceUsers? users,
        X509Certificate2Collection? clientCa,
        X509Certificate2? serverCertificate,
        TimeProvider time,
        ILogger logger)
    {
        this.options = options;
        this.write = write;
        this.users = users;
        this.clientCa = clientCa;
        this.serverCertificate = serverCertificate;
        this.time = time;
        this.logger = logger;
        writeSlots = new SemaphoreSlim(options.MaxConcurrentWrites, options.MaxConcurrentWrites);
        var endpoint = DeviceListenerOptions.ParseEndpoint(options.Endpoint, out _)!;
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultCommunicationTimeout(options.CommunicationTimeout)
            .WithPersistentSessions(false)
            .WithMaxPendingMessagesPerClient(16);
        if (serverCertificate is null)
        {
            builder = builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(endpoint.Address).WithDefaultEndpointPort(endpoint.Port);
        }
        else
        {
            builder = builder.WithoutDefaultEndpoint()
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(endpoint.Address)
                .WithEncryptedEndpointPort(endpoint.Port)
                .WithEncryptionCertificate(serverCertificate);
            if (clientCa is not null)
            {
                builder = builder.WithClientCertificate(ValidateClientCertificate, checkCertificateRevocation: false);
            }
        }

        var serverOptions = builder.Build();
        if (serverOptions.TlsEndpointOptions is { } tls && clientCa is not null)
        {
            // Certificates are optional when passwords are also accepted; without a users file they are the login.
            tls.ClientCertificateRequired = users is null;
        }

        server = new MqttServerFactory().CreateMqttServer(serverOptions);
        server.ValidatingConnectionAsync += OnValidatingAsync;
        server.ClientConnectedAsync += _ =>
        {
            Metrics.Connected();
            return Task.CompletedTask;
        };
        server.ClientDisconnectedAsync += _ =>
        {
            Metrics.Disconnected();
            return Task.CompletedTask;
        };
        server.InterceptingPublishAsync += OnPublishAsync;
        server.InterceptingSubscriptionAsync += OnSubscriptionAsync;
    }

    /// <summary>Counters for <c>/metrics</c>.</summary>
    public DeviceListenerMetrics Metrics { get; } = new();

    /// <summary>The address listened on.</summary>
    public string Endpoint => options.Endpoint;

    /// <summary>
    /// The entry point: validates the options, loads the users file and certificates, and starts listening.
    /// <paramref name="write"/> puts one key and completes once the write committed (or with why not); the PUBACK
    /// waits for it. Throws <see cref="ArgumentException"/> listing every problem.
    /// </summary>
    public static async Task<DeviceListener> StartAsync(
        DeviceListenerOptions options,
        Func<string, ReadOnlyMemory<byte>, CancellationToken, ValueTask<DeviceWriteResult>> write,
        TimeProvider time,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(time);
        var errors = options.Validate().ToList();
        DeviceUsers? users = null;
        X509Certificate2Collection? clientCa = null;
        X509Certificate2? serverCertificate = null;
        if (errors.Count == 0)
        {
            if (options.UsersFile is { } usersFile)
            {
                users = DeviceUsers.Load(usersFile, out var userErrors);
                errors.AddRange(userErrors.Select(e => $"{usersFile}: {e}"));
            }

            try
            {
                if (options.ServerCertificateFile is { } certFile)
                {
                    serverCertificate = LoadCertificate(certFile);
                }

                if (options.ClientCaFile is { } caFile)
                {
                    clientCa = [];
                    clientCa.ImportFromPemFile(caFile);
                    if (clientCa.Count == 0)
                    {
                        errors.Add($"client CA file '{caFile}' holds no certificate");
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                errors.Add("cannot read the device listener's certificates: " + e.Message);
            }
        }

        if (errors.Count > 0)
        {
            serverCertificate?.Dispose();
            throw new ArgumentException("device listener options: " + string.Join("; ", errors), nameof(options));
        }

        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Grey.Edge.Devices");
        var listener = new DeviceListener(options, write, users, clientCa, serverCertificate, time, logger);
        await listener.server.StartAsync().ConfigureAwait(false);
        DeviceListenerLog.Started(logger, options.Endpoint, serverCertificate is not null, users?.Count ?? 0, clientCa is not null);
        return listener;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await server.StopAsync(new MqttServerStopOptions
        {
            DefaultClientDisconnectOptions = new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.ServerShuttingDown },
        }).ConfigureAwait(false);
        server.Dispose();
        serverCertificate?.Dispose();
        writeSlots.Dispose();
    }

    private static X509Certificate2 LoadCertificate(string file)
    {
        var extension = Path.GetExtension(file);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(file, password: null);
        }

        using var pem = X509Certificate2.CreateFromPemFile(file);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }

    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            // No certificate: the device may still log in with a password when a users file is configured.
            return users is not null;
        }

        return ChainsToClientCa(certificate);
    }

    private bool ChainsToClientCa(X509Certificate certificate)
    {
        if (clientCa is null)
        {
            return false;
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(clientCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        return chain.Build(leaf);
    }

    private Task OnValidatingAsync(ValidatingConnectionEventArgs args)
    {
        var remote = args.RemoteEndPoint?.ToString() ?? "?";
        string? device = null;
        var refusal = MqttConnectReasonCode.BadUserNameOrPassword;
        var reason = "bad user name or password";
        if (Metrics.Connections >= options.MaxConnections)
        {
            refusal = MqttConnectReasonCode.ServerBusy;
            reason = $"listener full ({options.MaxConnections} devices)";
        }
        else if (args.ClientCertificate is { } certificate && clientCa is not null)
        {
            var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (ChainsToClientCa(certificate) && DeviceUsers.IsValidName(name))
            {
                device = name;
            }
            else
            {
                refusal = MqttConnectReasonCode.NotAuthorized;
                reason = "client certificate not accepted";
            }
        }
        else if (users is not null && args.UserName is { Length: > 0 } user)
        {
            if (users.Verify(user, args.RawPassword ?? []))
            {
                device = user;
            }
        }

        if (device is null)
        {
            args.ReasonCode = refusal;
            args.ReasonString = reason;
            Metrics.LoginRefused();
            DeviceListenerLog.LoginRefused(logger, remote, DeviceUsers.IsValidName(args.UserName) ? args.UserName : "?", reason);
            return Task.CompletedTask;
        }

        args.SessionItems[DeviceItem] = device;
        args.SessionItems[Version5Item] = args.ProtocolVersion == MqttProtocolVersion.V500;
        args.ReasonCode = MqttConnectReasonCode.Success;
        return Task.CompletedTask;
    }

    private Task OnSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        args.ProcessSubscription = false;
        args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        args.ReasonString = "devices may only publish on grey/kv/<key>";
        Metrics.SubscriptionRefused();
        return Task.CompletedTask;
    }

    private async Task OnPublishAsync(InterceptingPublishEventArgs args)
    {
        // Never routed to anyone: the listener is an entrance to the site's store, not a broker.
        args.ProcessPublish = false;
        var device = args.SessionItems[DeviceItem] as string ?? "?";
        var message = args.ApplicationMessage;
        var key = DeviceTopic.Parse(message.Topic, out var refusal, out var reason);
        if (key is null)
        {
            Refuse(args, device, refusal, reason, refusal == MqttPubAckReasonCode.NotAuthorized ? MqttDisconnectReasonCode.NotAuthorized : MqttDisconnectReasonCode.TopicNameInvalid);
            return;
        }

        var length = message.Payload.Length;
        if (length > options.MaxPayloadBytes)
        {
            Refuse(args, device, MqttPubAckReasonCode.QuotaExceeded, $"payload of {length} bytes over the {options.MaxPayloadBytes}-byte limit", MqttDisconnectReasonCode.PacketTooLarge);
            return;
        }

        var value = message.Payload.ToArray();
        DeviceWriteResult result;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(args.CancellationToken);
        deadline.CancelAfter(options.WriteTimeout);
        var slot = false;
        try
        {
            slot = await writeSlots.WaitAsync(options.WriteTimeout, deadline.Token).ConfigureAwait(false);
            result = slot
                ? await write(key, value, deadline.Token).ConfigureAwait(false)
                : new DeviceWriteResult(DeviceWriteStatus.Unavailable, "too many writes in progress");
        }
        catch (OperationCanceledException) when (!args.CancellationToken.IsCancellationRequested)
        {
            // The write may still commit: a put of the same value again is harmless, so the device retries.
            result = new DeviceWriteResult(DeviceWriteStatus.Unavailable, $"not committed within {options.WriteTimeout.TotalSeconds:0.#} s");
        }
        catch (OperationCanceledException)
        {
            // The connection closed: no PUBACK will be sent, the device resends on its next connection.
            return;
        }
#pragma warning disable CA1031 // The node's write is foreign code: any failure becomes a refusal, never a dropped connection loop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            DeviceListenerLog.WriteFailed(logger, e, device, key);
            result = new DeviceWriteResult(DeviceWriteStatus.Unavailable, "the write failed");
        }
        finally
        {
            if (slot)
            {
                writeSlots.Release();
            }
        }

        switch (result.Status)
        {
            case DeviceWriteStatus.Committed:
                Metrics.Committed();
                args.Response.ReasonCode = MqttPubAckReasonCode.Success;
                break;
            case DeviceWriteStatus.Unavailable:
                Metrics.Unavailable();
                Refuse(args, device, MqttPubAckReasonCode.ImplementationSpecificError, "not committed, retry: " + result.Detail, MqttDisconnectReasonCode.ServerBusy, counted: false);
                break;
            default:
                Refuse(args, device, MqttPubAckReasonCode.UnspecifiedError, "refused: " + result.Detail, MqttDisconnectReasonCode.ImplementationSpecificError);
                break;
        }
    }

    // A QoS 1 or 2 message of an MQTT 5 device gets the reason code in its PUBACK (PUBREC); a QoS 0 message has no
    // acknowledgement and an MQTT 3.1.1 PUBACK cannot say no, so those devices are disconnected instead (MQTT 5: with
    // the reason code in the DISCONNECT).
    private void Refuse(InterceptingPublishEventArgs args, string device, MqttPubAckReasonCode code, string reason, MqttDisconnectReasonCode disconnect, bool counted = true)
    {
        if (counted)
        {
            Metrics.Refused();
        }

        DeviceListenerLog.PublishRefused(logger, device, Printable(args.ApplicationMessage.Topic), code.ToString(), reason);
        args.Response.ReasonCode = code;
        args.Response.ReasonString = reason;
        var version5 = args.SessionItems[Version5Item] is true;
        if (args.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce && version5)
        {
            return;
        }

        if (!version5)
        {
            args.CloseConnection = true;
            return;
        }

        var clientId = args.ClientId;
        _ = Task.Run(async () =>
        {
            try
            {
                await server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = disconnect, ReasonString = reason }).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                // Already gone.
            }
        });
    }

    // Topics come from devices: keep log lines printable and short.
    private static string Printable(string? topic)
    {
        if (topic is null)
        {
            return string.Empty;
        }

        var shown = topic.Length > 300 ? topic[..300] + "..." : topic;
        return string.Concat(shown.Select(c => char.IsControl(c) ? '?' : c));
    }
}
