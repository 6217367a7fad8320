using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Polly;

namespace Grey.Edge.Uplink.Nats;

/// <summary>
/// <see cref="IUplink"/> over NATS: deltas by JetStream publish (the region's stream stores them), status reports,
/// acks, NAKs and revocations on core subjects, enrollment and attestation by request/reply. Connects and
/// reconnects in the background and never throws for a broken link. The edge never creates streams.
/// Split by concern: this file holds the connection's life, <c>.Publish.cs</c> the delta path and
/// <c>.Inbound.cs</c> the subscriptions.
/// </summary>
internal sealed partial class NatsUplink : IUplink
{
    /// <summary>How long <see cref="DisposeAsync"/> waits for the background loops.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly NatsUplinkOptions options;
    private readonly NatsSubjects subjects;
    private readonly NatsCredentials credentials;
    private readonly NatsConnection connection;
    private readonly NatsJSContext jetStream;
    private readonly TimeProvider time;
    private readonly Random random;
    private readonly ILogger logger;
    private readonly InboundQueue inbound;
    private readonly SemaphoreSlim window;
    private readonly ResiliencePipeline<UplinkPublishResult> publishPipeline;
    private readonly CancellationTokenSource stopping = new();
    private readonly object linkGate = new();
    private readonly string servers;
    private Task run = Task.CompletedTask;
    private bool ready;
    private bool linkReportedUp;
    private volatile string? lastError;
    private volatile TaskCompletionSource<string> deltaViolation = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int disposed;

    private NatsUplink(NatsUplinkOptions options, NatsCredentials credentials, TimeProvider time, Random random, ILoggerFactory loggerFactory)
    {
        this.options = options;
        this.credentials = credentials;
        this.time = time;
        this.random = random;
        logger = loggerFactory.CreateLogger("Grey.Edge.Uplink.Nats");
        subjects = new NatsSubjects(options.Region, options.Site);
        var (urls, _, _) = NatsServerUrls.Strip(options.Urls);
        servers = urls;
        inbound = new InboundQueue(options.InboundCapacity);
        window = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        var tls = NatsTlsOpts.Default;
        if (NatsServerUrls.WantsTls(options.Urls))
        {
            tls = tls with { Mode = TlsMode.Require, CaFile = options.CaFile };
        }

        connection = new NatsConnection(NatsOpts.Default with
        {
            Url = urls,
            Name = $"grey-edge {options.Site}",
            InboxPrefix = subjects.InboxPrefix,
            AuthOpts = credentials.Auth,
            TlsOpts = tls,
            LoggerFactory = loggerFactory,
            NoRandomize = true,
            ConnectTimeout = options.ConnectTimeout,
            ReconnectWaitMin = options.ReconnectWaitMin,
            ReconnectWaitMax = options.ReconnectWaitMax,
            MaxReconnectRetry = -1,
            IgnoreAuthErrorAbort = true,
            RetryOnInitialConnect = false,
            PublishTimeoutOnDisconnected = true,
            CommandTimeout = options.AttemptTimeout,

            // Polly's per-attempt timeout is the one that acts; NATS.Net's own is a backstop just behind it.
            RequestTimeout = options.AttemptTimeout + TimeSpan.FromSeconds(1),
            SubPendingChannelCapacity = options.InboundCapacity,
        });
        jetStream = new NatsJSContext(connection);
        connection.ConnectionOpened += OnOpenedAsync;
        connection.ConnectionDisconnected += OnDisconnectedAsync;
        connection.ServerError += OnServerErrorAsync;
        publishPipeline = PublishPipeline.Build(options, time, NextJitter, Metrics, () => IsConnected, d => NatsUplinkLog.BreakerOpened(logger, options.Site, d.TotalSeconds));
    }

    /// <summary>Counters for <c>/metrics</c>.</summary>
    public NatsUplinkMetrics Metrics { get; } = new();

    /// <inheritdoc />
    public string Name => "nats";

    /// <inheritdoc />
    public bool IsConnected => connection.ConnectionState == NatsConnectionState.Open;

    /// <inheritdoc />
    public ChannelReader<UplinkInbound> Inbound => inbound;

    /// <summary>Inbound messages dropped because the reader fell behind.</summary>
    public long InboundDropped => inbound.Dropped;

    /// <summary>The last connection error, with no credential in it (null once connected).</summary>
    public string? LastError => lastError;

    /// <summary>The servers dialled, without credentials.</summary>
    public string Servers => servers;

    /// <summary>The subjects of this site.</summary>
    public NatsSubjects Subjects => subjects;

    /// <summary>
    /// Validates the options, reads the credentials and starts connecting in the background (the broker may be
    /// down: the uplink comes up when it returns). Throws <see cref="ArgumentException"/> listing every problem.
    /// </summary>
    public static NatsUplink Start(NatsUplinkOptions options, TimeProvider time, Random random, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        var errors = options.Validate().ToList();
        var credentials = NatsCredentials.None;
        var (_, urlUser, urlPassword) = errors.Count == 0 ? NatsServerUrls.Strip(options.Urls) : default;
        if (options.CredentialsFile is { } file && errors.Count == 0)
        {
            credentials = NatsCredentials.Load(file, out var error) ?? NatsCredentials.None;
            if (error is not null)
            {
                errors.Add(error);
            }
        }
        else if (urlUser is not null)
        {
            credentials = NatsCredentials.FromPassword(urlUser, urlPassword);
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("NATS uplink options: " + string.Join("; ", errors), nameof(options));
        }

        var uplink = new NatsUplink(options, credentials, time, random, loggerFactory ?? NullLoggerFactory.Instance);
        uplink.run = uplink.RunAsync(uplink.stopping.Token);
        return uplink;
    }

    /// <summary>Waits until the link is up and subscribed (tests and the daemon's start-up use it).</summary>
    public async Task<bool> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetTimestamp();
        while (time.GetElapsedTime(deadline) < timeout)
        {
            lock (linkGate)
            {
                if (ready && IsConnected)
                {
                    return true;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        connection.ConnectionOpened -= OnOpenedAsync;
        connection.ConnectionDisconnected -= OnDisconnectedAsync;
        connection.ServerError -= OnServerErrorAsync;
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or ObjectDisposedException or OperationCanceledException)
        {
            // Disposing a connection that never came up may complain; nothing is left to release.
        }

        try
        {
            await run.WaitAsync(StopTimeout, time).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or NatsException)
        {
            // The loops end on cancellation; one stuck past the timeout is abandoned with the connection.
        }

        inbound.Complete();
        stopping.Dispose();
        window.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                await connection.ConnectAsync().ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is NatsException or IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException or TimeoutException)
            {
                attempt++;
                lastError = Describe(e);
                NatsUplinkLog.ConnectFailed(logger, options.Site, servers, credentials.ToString(), lastError);
                var wait = TimeSpan.FromTicks(Math.Min(options.ReconnectWaitMax.Ticks, options.ReconnectWaitMin.Ticks << Math.Min(attempt - 1, 16)));
                try
                {
                    await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }

        var pumps = new List<Task>();
        try
        {
            pumps.Add(await SubscribeAsync(subjects.Ack, UplinkInboundKind.Ack, cancellationToken).ConfigureAwait(false));
            pumps.Add(await SubscribeAsync(subjects.Nak, UplinkInboundKind.Nak, cancellationToken).ConfigureAwait(false));
            pumps.Add(await SubscribeAsync(subjects.Revoke, UplinkInboundKind.Revoke, cancellationToken).ConfigureAwait(false));

            // Every node subscribes (each holds its own connection); only the leader's outbox acts on a change.
            pumps.Add(await SubscribeAsync(subjects.Desired, UplinkInboundKind.Desired, cancellationToken).ConfigureAwait(false));

            // A ping round trip makes sure the server has the subscriptions before LinkUp tells the outbox to resend.
            await connection.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException or ObjectDisposedException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            lastError = e.Message;
        }

        lock (linkGate)
        {
            ready = true;
        }

        if (IsConnected)
        {
            lastError = null;
            ReportLink(up: true, "connected");
        }

        try
        {
            await Task.WhenAll(pumps).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException or ObjectDisposedException or ChannelClosedException)
        {
            // The pumps end when the uplink stops.
        }
    }

    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs args)
    {
        bool isReady;
        lock (linkGate)
        {
            isReady = ready;
        }

        if (isReady)
        {
            lastError = null;
            ReportLink(up: true, "reconnected");
        }

        return default;
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        ReportLink(up: false, args.Message);
        return default;
    }

    private ValueTask OnServerErrorAsync(object? sender, NatsServerErrorEventArgs args)
    {
        NatsUplinkLog.ServerError(logger, options.Site, args.Error);
        if (args.Error.Contains("Permissions Violation", StringComparison.OrdinalIgnoreCase))
        {
            Metrics.Violation();
            if (args.Error.Contains("Publish to \"" + subjects.Delta + "\"", StringComparison.Ordinal))
            {
                var previous = deltaViolation;
                deltaViolation = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                previous.TrySetResult(args.Error);
            }
        }
        else
        {
            lastError = args.Error;
        }

        return default;
    }

    private void ReportLink(bool up, string reason)
    {
        lock (linkGate)
        {
            if (linkReportedUp == up || (up && !ready))
            {
                return;
            }

            linkReportedUp = up;
            Metrics.Link(up);
            if (up)
            {
                NatsUplinkLog.LinkUp(logger, options.Site, options.Region, servers);
            }
            else
            {
                NatsUplinkLog.LinkDown(logger, options.Site, reason);
            }

            // Link events never wait: when the queue is full of revocations the event is dropped and counted,
            // and the next one tells the current state.
            inbound.TryWrite(new UplinkInbound(up ? UplinkInboundKind.LinkUp : UplinkInboundKind.LinkDown, ReadOnlyMemory<byte>.Empty, Name));
        }
    }

    // NATS.Net wraps the server's reason ("Authorization Violation") in a generic connect failure.
    private static string Describe(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null && parts.Count < 4; x = x.InnerException)
        {
            if (!parts.Contains(x.Message))
            {
                parts.Add(x.Message);
            }
        }

        return string.Join(": ", parts);
    }

    private double NextJitter()
    {
        lock (random)
        {
            return random.NextDouble();
        }
    }
}
