using System.Globalization;
using System.Text;
using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment;
using Grey.Edge.Daemon.Config;
using Grey.Edge.Node;
using Grey.Edge.Outbox;
using Grey.Edge.Uplink;
using Grey.Edge.Uplink.Mqtt;
using Grey.Edge.Uplink.Nats;
using Microsoft.Extensions.Logging;

namespace Grey.Edge.Daemon.Uplink;

/// <summary>
/// Everything <c>--region</c> adds to a node: the TPM (software by default, its state under <c>--data</c>/tpm),
/// the uplink (NATS, MQTT, or both through <see cref="FailoverUplink"/> with NATS preferred), the enrollment client (enroll, attest at every start and again before the result expires)
/// and the outbox shipping the node's journal with the enrollment's signer and region trust.
/// Built only with <c>--region</c>; <see cref="DisposeAsync"/> stops it in reverse order.
/// </summary>
internal sealed partial class RegionLink : IRegionLinkView, IAsyncDisposable
{
    /// <summary>Longest wait between two attestation checks: a result is refreshed well before it expires.</summary>
    public static readonly TimeSpan MaxRefreshWait = TimeSpan.FromMinutes(1);

    /// <summary>Longest back-off after failed enrollment or attestation attempts.</summary>
    public static readonly TimeSpan MaxFailureBackoff = TimeSpan.FromSeconds(30);

    private readonly DaemonOptions options;
    private readonly IAttester attester;
    private readonly IUplink uplink;
    private readonly NatsUplink? nats;
    private readonly MqttUplink? mqtt;
    private readonly EnrollmentClient client;
    private readonly OutboxService outbox;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private Task attestLoop = Task.CompletedTask;
    private volatile string? lastAttestError;
    private long attestations;
    private long attestationFailures;

    private RegionLink(DaemonOptions options, IAttester attester, IUplink uplink, NatsUplink? nats, MqttUplink? mqtt, EnrollmentClient client, OutboxService outbox, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.attester = attester;
        this.uplink = uplink;
        this.nats = nats;
        this.mqtt = mqtt;
        this.client = client;
        this.outbox = outbox;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>The uplink the outbox ships through: NATS, MQTT, or the failover pair (tests read its counters).</summary>
    public IUplink Uplink => uplink;

    /// <summary>Where the uplink goes: the NATS servers and/or the MQTT broker (never a credential).</summary>
    public string Servers => (nats, mqtt) switch
    {
        ({ } n, { } m) => $"{n.Servers} (preferred), {m.Broker}",
        ({ } n, null) => n.Servers,
        (null, { } m) => m.Broker,
        _ => "-",
    };

    /// <summary>
    /// Starts the TPM, the uplink, the enrollment client and the outbox of <paramref name="node"/> over
    /// <paramref name="journal"/>. The broker may be down: the uplink connects when it can, and enrollment and
    /// shipping start then. Throws when the TPM or a file cannot be opened (the daemon exits 1).
    /// </summary>
    public static async Task<RegionLink> StartAsync(DaemonOptions options, EdgeNode node, OutboxJournal journal, TimeProvider time, int seed, ILoggerFactory loggerFactory,
        Func<IDeltaSignerProvider, IDeltaSignerProvider>? wrapSigners = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(journal);
        var logger = loggerFactory.CreateLogger("Grey.Edge.Daemon.Uplink");
        var region = options.Region ?? throw new ArgumentException("no --region", nameof(options));
        var attester = await OpenAttesterAsync(options, time).ConfigureAwait(false);
        NatsUplink? nats = null;
        MqttUplink? mqtt = null;
        IUplink? uplink = null;
        EnrollmentClient? client = null;
        try
        {
            if (options.NatsUrls is not null)
            {
                nats = NatsUplink.Start(
                    new NatsUplinkOptions
                    {
                        Region = region,
                        Site = options.Site,
                        Urls = options.NatsUrls,
                        CredentialsFile = options.NatsCredsFile,
                        CaFile = options.NatsCaFile,
                    },
                    time,
                    new Random(seed ^ 0x0A71),
                    loggerFactory);
            }

            if (options.MqttUrl is not null)
            {
                mqtt = StartMqtt(options, region, time, seed, loggerFactory);
            }

            // Both: NATS preferred, MQTT the fallback; the failover pair owns (and disposes) both.
            uplink = (nats, mqtt) switch
            {
                ({ } n, { } m) => FailoverUplink.Create(n, m, new FailoverUplinkOptions(), time),
                ({ } n, null) => n,
                (null, { } m) => m,
                _ => throw new ArgumentException("--region needs --nats or --mqtt", nameof(options)),
            };
            var sender = uplink;
            client = EnrollmentClient.Open(
                attester,
                new EnrollmentClientOptions(EnrolledNodeName.For(options.Site, options.NodeId), options.Site, options.DataDirectory)
                {
                    EnrollmentToken = options.EnrollToken,
                    RegionCaFile = options.RegionCaFile,
                },
                time,
                async (kind, payload, timeout, ct) =>
                {
                    var reply = await sender.RequestAsync(kind == EnrollmentRequestKind.Enroll ? UplinkRequestKind.Enroll : UplinkRequestKind.Attest, payload, timeout, ct).ConfigureAwait(false);
                    return reply.Payload is { } p ? EnrollmentReply.Of(p) : EnrollmentReply.Failed(reply.Error ?? "no reply");
                });
            var outbox = await OutboxService.StartAsync(
                node,
                journal,
                uplink,
                // greyctl bench e2e wraps the signer to hold shipping back while it builds a committed backlog.
                wrapSigners?.Invoke(new EnrollmentSignerProvider(client, time)) ?? new EnrollmentSignerProvider(client, time),
                new TrustAckVerifier(client, time),
                new EnrollmentRevocationVerifier(client),
                new OutboxOptions { Region = region, NodeName = EnrolledNodeName.For(options.Site, options.NodeId) },
                time,
                new TrustDesiredVerifier(client, region, options.Site, time)).ConfigureAwait(false);
            var link = new RegionLink(options, attester, uplink, nats, mqtt, client, outbox, time, logger);
            link.attestLoop = Task.Run(() => link.AttestLoopAsync(link.stopping.Token));
            RegionLinkLog.Started(logger, options.Site, region, link.Servers, options.Tpm);
            return link;
        }
        catch
        {
            client?.Dispose();
            if (uplink is not null)
            {
                await uplink.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                if (nats is not null)
                {
                    await nats.DisposeAsync().ConfigureAwait(false);
                }

                if (mqtt is not null)
                {
                    await mqtt.DisposeAsync().ConfigureAwait(false);
                }
            }

            await attester.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public UplinkStatus Status()
    {
        var s = outbox.Snapshot();
        var expires = client.ResultExpiresAt;
        return new UplinkStatus(
            Region: options.Region!,
            Transport: uplink.Name,
            Connected: uplink.IsConnected,
            Servers: Servers,
            Enrolled: client.SigningCertificate is not null,
            Attested: expires is { } e && e > time.GetUtcNow(),
            AttestationExpires: expires?.ToString("O", CultureInfo.InvariantCulture),
            Shipping: s.IsShipping,
            HasSigner: s.HasSigner,
            BacklogEntries: s.BacklogEntries,
            BacklogBytes: s.BacklogBytes,
            OldestUnackedAgeSeconds: Math.Round(s.OldestUnackedAge.TotalSeconds, 3),
            AckedIndex: s.AckedIndex,
            JournalTailIndex: s.JournalTailIndex,
            InFlightDeltas: s.InFlightDeltas,
            DeltasShipped: s.DeltasShipped,
            Resends: s.Resends,
            Revoked: outbox.IsRevoked,
            LastError: outbox.LastError ?? lastAttestError ?? nats?.LastError ?? mqtt?.LastError,
            DesiredAppliedSequence: s.DesiredAppliedSequence);
    }

    /// <inheritdoc />
    public void AppendMetrics(StringBuilder sb) =>
        RegionMetricsText.Append(sb, outbox.Snapshot(), uplink, nats, mqtt, client.ResultExpiresAt, time.GetUtcNow(), Interlocked.Read(ref attestations), Interlocked.Read(ref attestationFailures), outbox.DesiredMetrics);

    /// <summary>Stops the attestation loop and the outbox, then the uplink, the enrollment client and the TPM (orderly shutdown for the software TPM).</summary>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await attestLoop.WaitAsync(TimeSpan.FromSeconds(5), time).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // The loop ends at its next await; a stuck request is abandoned with the uplink below.
        }

        await outbox.DisposeAsync().ConfigureAwait(false);
        await uplink.DisposeAsync().ConfigureAwait(false);
        client.Dispose();
        if (attester is SoftwareTpm soft)
        {
            soft.Shutdown();
        }

        await attester.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    // The MQTT uplink of --mqtt: one session per node (client id grey-<site>-n<node>, stable across restarts).
    private static MqttUplink StartMqtt(DaemonOptions options, string region, TimeProvider time, int seed, ILoggerFactory loggerFactory) =>
        MqttUplink.Start(
            new MqttUplinkOptions
            {
                Region = region,
                Site = options.Site,
                ClientId = $"grey-{options.Site}-n{options.NodeId.ToString(CultureInfo.InvariantCulture)}",
                Url = options.MqttUrl!,
                UserName = options.MqttUser,
                PasswordFile = options.MqttPasswordFile,
                ClientCertificateFile = MqttClientCertificate.Prepare(options.MqttCertFile, options.MqttKeyFile, options.DataDirectory),
                CaFile = options.MqttCaFile,
            },
            time,
            new Random(seed ^ 0x3A77),
            loggerFactory);

    private static async Task<IAttester> OpenAttesterAsync(DaemonOptions options, TimeProvider time)
    {
        if (options.Tpm == "soft")
        {
            // The development manufacturer certifies the software TPM's EK: a region accepts it under --dev only.
            return DevelopmentAuthorities.StartSoftwareTpm(new SoftwareTpmOptions(StateDirectory: Path.Combine(options.DataDirectory, "tpm")), time);
        }

        if (!Tpm2ToolsAttester.TryParseTarget(options.Tpm, out var tcti, out var error))
        {
            throw new ArgumentException(error);
        }

        return await Tpm2ToolsAttester.CreateAsync(tcti, workDirectory: Directory.CreateDirectory(Path.Combine(options.DataDirectory, "tpm2")).FullName).ConfigureAwait(false);
    }

    // Enrolls (or keeps the stored enrollment) and attests at every start, then refreshes before the result or
    // the certificate runs out. Waits for the link; backs off after failures; never ends before the link stops.
    private async Task AttestLoopAsync(CancellationToken cancellationToken)
    {
        var attestedSinceStart = false;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan wait;
            if (!uplink.IsConnected)
            {
                wait = TimeSpan.FromMilliseconds(250);
            }
            else
            {
                EnrollmentStepResult? result = null;
                try
                {
                    if (!attestedSinceStart)
                    {
                        result = await client.EnsureEnrolledAsync(cancellationToken).ConfigureAwait(false);
                        if (result.Succeeded)
                        {
                            result = await client.AttestAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                    else
                    {
                        result = await client.RefreshAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Whatever enrollment or the TPM throws, the loop must live on: it is the node's only way back
                    // to a valid attestation. The error is kept for the status and logged below.
                    lastAttestError = $"attestation: {e.GetType().Name}: {e.Message}";
                }

                if (result is { Succeeded: true })
                {
                    if (result.Status != EnrollmentStepStatus.Current)
                    {
                        Interlocked.Increment(ref attestations);
                        RegionLinkLog.Attested(logger, options.Site, result.ToString(), client.ResultExpiresAt?.ToString("O", CultureInfo.InvariantCulture) ?? "-");
                    }

                    attestedSinceStart = true;
                    failures = 0;
                    lastAttestError = null;
                    var due = client.NextRefreshDue is { } next ? next - time.GetUtcNow() : TimeSpan.Zero;
                    wait = due < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : due > MaxRefreshWait ? MaxRefreshWait : due;
                }
                else
                {
                    failures++;
                    Interlocked.Increment(ref attestationFailures);
                    if (result is not null)
                    {
                        lastAttestError = "attestation: " + result;
                    }

                    RegionLinkLog.AttestFailed(logger, options.Site, lastAttestError ?? "unknown");
                    var backoff = TimeSpan.FromMilliseconds(500 * Math.Pow(2, Math.Min(failures, 10)));
                    wait = backoff > MaxFailureBackoff ? MaxFailureBackoff : backoff;
                }
            }

            try
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
