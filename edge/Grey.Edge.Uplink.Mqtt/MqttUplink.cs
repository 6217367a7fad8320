using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Polly;
using Polly.Timeout;

namespace Grey.Edge.Uplink.Mqtt;

/// <summary>
/// <see cref="IUplink"/> over an MQTT 5 broker (MQTTnet): deltas at QoS 1 on <c>grey/delta/&lt;region&gt;/&lt;site&gt;</c>,
/// acks, NAKs, revocations and desired changes from the site's topics into <see cref="Inbound"/>, enrollment and
/// attestation as MQTT 5 request/response. The session is persistent (clean start off, a session expiry), so what
/// the region sent while the node was away is delivered when it returns. Connects and reconnects in the background
/// and never throws for a broken link. The one entry point is <see cref="Start"/>.
/// Split by concern: this file holds the connection's life, <c>.Publish.cs</c> the outgoing path,
/// <c>.Inbound.cs</c> the incoming messages and <c>.Request.cs</c> request/response.
/// </summary>
internal sealed partial class MqttUplink : IUplink
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for the background loop and a clean DISCONNECT.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly MqttUplinkOptions options;
    private readonly MqttBrokerUrl broker;
    private readonly MqttTopics topics;
    private readonly MqttCredentials credentials;
    private readonly IMqttClient client;
    private readonly MqttClientOptions clientOptions;
    private readonly TimeProvider time;
    private readonly Random random;
    private readonly ILogger logger;
    private readonly MqttInboundQueue inbound;
    private readonly SemaphoreSlim window;
    private readonly ResiliencePipeline<UplinkPublishResult> publishPipeline;
    private readonly ResiliencePipeline<string?> connectPipeline;
    private readonly CancellationTokenSource stopping = new();
    private readonly object linkGate = new();
    private Task run = Task.CompletedTask;
    private TaskCompletionSource disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool ready;
    private bool linkReportedUp;
    private long generation;
    private volatile string? lastError;
    private int disposed;

    private MqttUplink(MqttUplinkOptions options, MqttBrokerUrl broker, MqttCredentials credentials, TimeProvider time, Random random, ILoggerFactory loggerFactory)
    {
        this.options = options;
        this.broker = broker;
        this.credentials = credentials;
        this.time = time;
        this.random = random;
        logger = loggerFactory.CreateLogger("Grey.Edge.Uplink.Mqtt");
        topics = new MqttTopics(options.Region, options.Site, options.EffectiveClientId);
        inbound = new MqttInboundQueue(options.InboundCapacity);
        window = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += OnDisconnectedAsync;
        clientOptions = BuildClientOptions();
        publishPipeline = MqttPipelines.Publish(
            options,
            time,
            NextJitter,
            () => IsConnected,
            Metrics.Retry,
            d =>
            {
                Metrics.Opened();
                MqttUplinkLog.BreakerOpened(logger, options.Site, d.TotalSeconds);
            });
        connectPipeline = MqttPipelines.Connect(options, time, NextJitter, OnConnectFailed);
    }

    /// <summary>Counters for <c>/metrics</c>.</summary>
    public MqttUplinkMetrics Metrics { get; } = new();

    /// <inheritdoc />
    public string Name => "mqtt";

    /// <inheritdoc />
    public bool IsConnected
    {
        get
        {
            lock (linkGate)
            {
                return ready && client.IsConnected;
            }
        }
    }

    /// <inheritdoc />
    public ChannelReader<UplinkInbound> Inbound => inbound;

    /// <summary>Inbound messages dropped because the reader fell behind.</summary>
    public long InboundDropped => inbound.Dropped;

    /// <summary>The last connection error, with no secret in it (null once connected).</summary>
    public string? LastError => lastError;

    /// <summary>The broker dialled (scheme, host and port only).</summary>
    public string Broker => broker.ToString();

    /// <summary>The topics of this site and client.</summary>
    public MqttTopics Topics => topics;

    /// <summary>
    /// The entry point: validates the options, reads the credentials and starts connecting in the background (the
    /// broker may be down: the uplink comes up when it returns). Throws <see cref="ArgumentException"/> listing every
    /// problem; never logs a password or key.
    /// </summary>
    public static MqttUplink Start(MqttUplinkOptions options, TimeProvider time, Random random, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        var errors = options.Validate().ToList();
        MqttCredentials? credentials = null;
        if (errors.Count == 0)
        {
            credentials = MqttCredentials.Load(options, out var error);
            if (error is not null)
            {
                errors.Add(error);
            }
        }

        if (errors.Count > 0 || credentials is null)
        {
            credentials?.Dispose();
            throw new ArgumentException("MQTT uplink options: " + string.Join("; ", errors), nameof(options));
        }

        var broker = MqttBrokerUrl.Parse(options.Url, out _)!.Value;
        var uplink = new MqttUplink(options, broker, credentials, time, random, loggerFactory ?? NullLoggerFactory.Instance);
        uplink.run = uplink.RunAsync(uplink.stopping.Token);
        return uplink;
    }

    /// <summary>Waits until the link is up and subscribed (tests and the daemon's start-up use it).</summary>
    public async Task<bool> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var start = time.GetTimestamp();
        while (time.GetElapsedTime(start) < timeout)
        {
            if (IsConnected)
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }

        return IsConnected;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await run.WaitAsync(StopTimeout, time).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // The loop ends on cancellation; one stuck past the timeout is abandoned with the client.
        }

        client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        client.DisconnectedAsync -= OnDisconnectedAsync;
        if (client.IsConnected)
        {
            try
            {
                // A normal DISCONNECT keeps the session (and its unsettled desired changes) on the broker.
                using var timeout = new CancellationTokenSource(StopTimeout, time);
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
            {
                // Already gone: nothing to close.
            }
        }

        FailPendingRequests("the uplink stopped");
        client.Dispose();
        inbound.Complete();
        credentials.Dispose();
        stopping.Dispose();
        window.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            string? error;
            try
            {
                error = await connectPipeline.ExecuteAsync(static (self, ct) => self.TryConnectAsync(ct), this, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
#pragma warning disable CA1031 // The reconnect loop must outlive any surprise from the client library.
            catch (Exception e)
#pragma warning restore CA1031
            {
                // An exception no attempt expected (a bug in a library, a broken platform call): keep the reason and
                // try again after the longest back-off rather than leave the site without an uplink for good.
                lastError = e.Message;
                Metrics.ConnectFailed();
                MqttUplinkLog.ConnectFailed(logger, options.Site, broker.ToString(), credentials.ToString(), e.Message);
                try
                {
                    await Task.Delay(options.ReconnectWaitMax, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (error is not null)
            {
                // Only reachable when the retry gives up, which it never does; keep the reason and go round again.
                lastError = error;
                continue;
            }

            Task down;
            lock (linkGate)
            {
                down = disconnected.Task;
            }

            try
            {
                // Wait for the link to drop; the poll is a backstop in case a disconnect event was missed.
                while (client.IsConnected && !down.IsCompleted)
                {
                    await Task.WhenAny(down, Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken)).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            ReportLink(up: false, "connection lost");
        }
    }

    // One connect attempt: CONNECT, then the subscriptions. Returns null when the link is usable, else why not.
    private async ValueTask<string?> TryConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (client.IsConnected)
            {
                // A half-made link of an earlier attempt (connected, subscriptions not granted): start afresh.
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            }

            lock (linkGate)
            {
                if (disconnected.Task.IsCompleted)
                {
                    disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                // A new connection: messages it delivers (a resumed session sends them right after CONNACK) are
                // acknowledged on it; those of an earlier connection are not (see Settle in .Inbound.cs).
                generation++;
            }

            var result = await client.ConnectAsync(clientOptions, cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return $"the broker refused the connection: {result.ResultCode} {result.ReasonString}".TrimEnd();
            }

            var error = await SubscribeAsync(cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
                return error;
            }

            lock (linkGate)
            {
                ready = true;
            }

            lastError = null;
            ReportLink(up: true, result.IsSessionPresent ? "session resumed" : "new session");
            return null;
        }
        catch (Exception e) when (e is MqttCommunicationException or IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or InvalidOperationException or ObjectDisposedException)
        {
            return ConnectFailureReason(e);
        }
    }

    // MQTTnet wraps a refused CONNACK in a connecting exception whose message names the result code; the inner
    // exception of a socket failure says more than the wrapper.
    private static string ConnectFailureReason(Exception e)
    {
        var inner = e.InnerException is { } i && e is MqttCommunicationException && e.Message.Contains("see inner", StringComparison.OrdinalIgnoreCase) ? i.Message : null;
        return inner ?? e.Message;
    }

    private void OnConnectFailed(Outcome<string?> outcome)
    {
        var reason = outcome.Exception is TimeoutRejectedException ? $"no CONNACK and SUBACK within {options.ConnectTimeout.TotalSeconds:0.#} s" : outcome.Result ?? outcome.Exception?.Message ?? "unknown";
        lastError = reason;
        Metrics.ConnectFailed();
        MqttUplinkLog.ConnectFailed(logger, options.Site, broker.ToString(), credentials.ToString(), reason);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        TaskCompletionSource signal;
        lock (linkGate)
        {
            signal = disconnected;
        }

        if (args.ClientWasConnected)
        {
            ReportLink(up: false, args.ReasonString is { Length: > 0 } why ? $"{args.Reason}: {why}" : args.Reason.ToString());
        }

        signal.TrySetResult();
        return Task.CompletedTask;
    }

    private void ReportLink(bool up, string reason)
    {
        lock (linkGate)
        {
            if (!up)
            {
                ready = false;
            }

            if (linkReportedUp == up)
            {
                return;
            }

            linkReportedUp = up;
            Metrics.Link(up);
            if (up)
            {
                MqttUplinkLog.LinkUp(logger, options.Site, options.Region, broker.ToString(), reason == "session resumed");
            }
            else
            {
                MqttUplinkLog.LinkDown(logger, options.Site, reason);
            }
        }

        // Link events never wait for room: a full queue evicts older events by the drop rule. Written outside the
        // lock; the order of two racing events is then settled by IsConnected, which the outbox reads anyway.
        _ = inbound.WriteAsync(new UplinkInbound(up ? UplinkInboundKind.LinkUp : UplinkInboundKind.LinkDown, ReadOnlyMemory<byte>.Empty, Name), CancellationToken.None);
    }

    private MqttClientOptions BuildClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(options.EffectiveClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout > options.AttemptTimeout ? options.ConnectTimeout : options.AttemptTimeout)
            .WithReceiveMaximum((ushort)options.InboundCapacity);
        if (credentials.UserName is { } user)
        {
            builder = builder.WithCredentials(user, credentials.Password);
        }

        if (broker.Tls)
        {
            builder = builder.WithTlsOptions(tls =>
            {
                tls.UseTls()
                    .WithTargetHost(broker.Host)
                    .WithCertificateValidationHandler(args => credentials.ValidateServerCertificate(args.Certificate, args.SslPolicyErrors));
                if (credentials.ClientCertificate is { } certificate)
                {
                    tls.WithClientCertificates([certificate]);
                }
            });
        }

        return builder.Build();
    }

    private double NextJitter()
    {
        lock (random)
        {
            return random.NextDouble();
        }
    }
}
