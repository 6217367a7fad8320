using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Randomness;
using Grey.Attestation.Registration;
using Grey.Attestation.Revocation;
using Grey.Region.Daemon.Api;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Keys;
using Grey.Region.Daemon.Nats;
using Grey.Region.Daemon.Persistence;
using Grey.Region.Hosting;
using Grey.Region.Registry;
using Grey.Region.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Region.Daemon.Hosting;

/// <summary>
/// The daemon's composition: keys, the registry and its journal, the region store and core (through
/// <see cref="RegionHost"/>), the NATS transport, the ingest loop and the HTTP API. Thin on purpose: the hosting
/// logic lives in <c>Grey.Region.Hosting</c>, which the fleet simulator reuses with its own transport.
/// </summary>
internal sealed class RegionDaemon : IAsyncDisposable
{
    /// <summary>The region store's folder under the data directory.</summary>
    public const string StoreFolder = "store";

    /// <summary>The enrollment service's state folder under the data directory.</summary>
    public const string EnrollmentFolder = "enroll";

    private readonly CancellationTokenSource _stop = new();
    private readonly RegistryJournal _journal;
    private readonly RevocationNoticeIssuer _issuer;
    private readonly NatsConnection? _connection;
    private Grey.Region.Daemon.Mqtt.MqttDaemonLink? _mqtt;
    private Grey.Region.Daemon.Mqtt.CompositeRegionTransport? _composite;
    private IRegionTransport? _publishing;
    private readonly EnrollmentService? _enrollment;
    private long _enrollmentApplyRefusals;
    private WebApplication? _app;
    private ApiTls? _apiTls;
    private Task _loop = Task.CompletedTask;

    private RegionDaemon(RegionDaemonOptions options, RegionDaemonDependencies deps, X509Certificate2 certificate, NodeRegistry registry,
        RegistryJournal journal, RegionHost host, NatsConnection? connection, EnrollmentService? enrollment)
    {
        _enrollment = enrollment;
        Options = options;
        Time = deps.Time;
        Certificate = certificate;
        Registry = registry;
        _journal = journal;
        Host = host;
        _connection = connection;
        _issuer = new RevocationNoticeIssuer(options.Region, certificate.GetECDsaPrivateKey()!, deps.Time, journal.IssuerSequence);
        Host.RevocationNotices = ReissueNotice;
    }

    /// <summary>The options it runs with.</summary>
    public RegionDaemonOptions Options { get; }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The region's signing certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The registry (touch it only through <see cref="RegionHost.Read{T}"/> or the methods here).</summary>
    public NodeRegistry Registry { get; }

    /// <summary>The host of the region core.</summary>
    public RegionHost Host { get; }

    /// <summary>Desired-state changes: issued, journaled, sent to sites (opened before the core: merges consult its ledger).</summary>
    public Grey.Region.Daemon.Desired.DesiredService Desired { get; private set; } = null!;

    /// <summary>The NATS transport.</summary>
    public NatsRegionTransport Transport { get; private set; } = null!;

    /// <summary>The MQTT transport, or null without <c>--mqtt</c> / <c>--mqtt-embedded</c>.</summary>
    public Grey.Region.Daemon.Mqtt.MqttRegionTransport? Mqtt => _mqtt?.Transport;

    /// <summary>The shard filter in front of the loop, or null when this process serves every site (<c>--shard 0/1</c>).</summary>
    public Sharding.ShardFilterTransport? ShardFilter { get; private set; }

    /// <summary>The enrollment service answering <c>grey.enroll.*</c> / <c>grey.attest.*</c>, or null when enrollment is off.</summary>
    public EnrollmentService? Enrollment => _enrollment;

    /// <summary>Enrolments or attestation results the service accepted and the region's registry refused (a key held by another node, for instance).</summary>
    public long EnrollmentApplyRefusals => Interlocked.Read(ref _enrollmentApplyRefusals);

    /// <summary>The API's HTTPS material, or null when it serves plain HTTP.</summary>
    public ApiTls? ApiTls => _apiTls;

    /// <summary>The ingest loop; it ends only when stopped, or faulted when the store cannot be reopened.</summary>
    public Task Completion => _loop;

    /// <summary>The API's base URL as bound (the real port when 0 was asked).</summary>
    public string ApiUrl => _app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Starts a region from validated options.</summary>
    public static async Task<RegionDaemon> StartAsync(RegionDaemonOptions options, RegionDaemonDependencies deps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(deps);
        Directory.CreateDirectory(options.DataDirectory);

        // Under --dev (and unless a test injects its own identity) the region runs ENROLL's enrollment service: its
        // signing certificate is issued by the built-in development region CA, and it signs attestation results.
        EnrollmentService? enrollment = deps.SigningCertificate is null && options.EnrollmentEnabled
            ? EnrollmentService.Open(EnrollmentOptions(options), deps.Time, new CryptoRandomSource())
            : null;
        X509Certificate2 certificate = deps.SigningCertificate ?? enrollment?.SigningCertificate ?? RegionKeys.LoadOrCreate(options.DataDirectory, options.Region, deps.Time);
        var peers = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        foreach (string peer in options.PeerRegions)
        {
            peers[peer] = RegionKeys.LoadPeer(options.PeerCertsDirectory!, peer);
        }

        RegionKeys.PublishCertificate(options.DataDirectory, certificate);
        ECDsa resultKey = deps.AttestationResultKey ?? enrollment?.CreateResultVerificationKey() ?? certificate.GetECDsaPublicKey()
            ?? throw new InvalidOperationException("the region certificate has no ECDSA key");
        var registry = new NodeRegistry(resultKey, deps.Time);
        RegistryJournal journal = RegistryJournal.Open(options.DataDirectory, registry);
        if (enrollment is not null)
        {
            Readmit(registry, enrollment);
        }

        string store = Path.Combine(options.DataDirectory, StoreFolder);
        RegionHost host;
        Grey.Region.Daemon.Desired.DesiredService? desired = null;
        try
        {
            desired = Grey.Region.Daemon.Desired.DesiredService.Open(options.DataDirectory, options.Region, certificate, deps.DesiredOptions, deps.Time);
            host = new RegionHost(
                () => RegionCore.Open(options.Region, certificate, registry, new PhysicalRegionFileSystem(store), deps.Time, deps.RegionOptions, peers, desired.Ledger),
                deps.Time, deps.HostOptions with { Quotas = options.Quotas });
        }
        catch
        {
            if (desired is not null)
            {
                await desired.DisposeAsync().ConfigureAwait(false);
            }

            journal.Dispose();
            enrollment?.Dispose();
            throw;
        }

        var natsOptions = NatsOpts.Default with
        {
            Url = string.Join(",", options.NatsUrls),
            Name = "grey-region-" + options.Region,
            AuthOpts = options.NatsCredsFile is null ? NatsAuthOpts.Default : NatsAuthOpts.Default with { CredsFile = options.NatsCredsFile },
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
            LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        };
        NatsConnection? connection = options.NatsUrls.Count == 0 ? null : new NatsConnection(natsOptions);
        var daemon = new RegionDaemon(options, deps, certificate, registry, journal, host, connection, enrollment) { Desired = desired };
        try
        {
            await daemon.StartTransportAndApiAsync(deps, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await daemon.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return daemon;
    }

    /// <summary>
    /// Enrols a node; an accepted enrolment is journaled before this returns (and so before the node hears of it).
    /// Returns null, or why the registry refused it.
    /// </summary>
    public string? Enroll(string nodeId, string site, X509Certificate2 deltaSigningCertificate) => Host.Read(_ =>
    {
        string? refused = Registry.Enroll(nodeId, site, deltaSigningCertificate);
        if (refused is null)
        {
            _journal.Enrolled(nodeId, site, deltaSigningCertificate);
        }

        return refused;
    });

    /// <summary>Applies a signed attestation result; an accepted one is journaled.</summary>
    public Grey.Attestation.Results.ResultCheck ApplyAttestationResult(string nodeId, AttestationEnvelope result) => Host.Read(_ =>
    {
        Grey.Attestation.Results.ResultCheck check = Registry.ApplyAttestationResult(nodeId, result);
        if (check == Grey.Attestation.Results.ResultCheck.Accepted)
        {
            _journal.Attested(nodeId, result);
        }

        return check;
    });

    /// <summary>
    /// Revokes a node (final), journaled before it applies, and publishes a signed revocation notice on
    /// <c>grey.revoke.&lt;site&gt;</c>. Returns the node, or null when unknown; the bool says whether the notice went out.
    /// </summary>
    public async Task<(NodeView? Node, ulong Sequence, bool Published)> RevokeAsync(string nodeId, CancellationToken cancellationToken)
    {
        (NodeView? node, AttestationEnvelope? notice, ulong sequence) = Host.Read(_ =>
        {
            NodeView? found = Registry.Find(nodeId);
            if (found is null)
            {
                return ((NodeView?)null, (AttestationEnvelope?)null, 0UL);
            }

            _journal.Revoked(nodeId);
            Registry.Revoke(nodeId);
            if (_enrollment is not null)
            {
                // The enrollment service issues (and persists the sequence of) this region's notices: one issuer, one
                // sequence. A node it does not know (admitted by other means) is revoked here without a notice.
                RevocationIssued? issued = _enrollment.Revoke(nodeId);
                return (Registry.Find(nodeId), issued?.Notice, issued?.Sequence ?? 0);
            }

            AttestationEnvelope own = _issuer.Issue(nodeId, NodeState.Revoked);
            _journal.IssuedSequence(_issuer.LastSequence);
            return (Registry.Find(nodeId), own, _issuer.LastSequence);
        });
        if (node is null)
        {
            return (null, 0, false);
        }

        if (notice is null)
        {
            return (node, 0, false);
        }

        try
        {
            await (_publishing ?? Transport).PublishRevocationAsync(node.Site, notice.ToBytes(), cancellationToken).ConfigureAwait(false);
            return (node, sequence, true);
        }
        catch (RegionTransportException)
        {
            return (node, sequence, false);
        }
    }

    /// <summary>
    /// A fresh signed notice for a node this region revoked earlier, for the ingest loop to republish when the node's
    /// deltas still arrive (its site missed the first notice). Fresh, not the first copy: sites accept only a sequence
    /// above the last they saw and refuse an expired notice, so an old copy could be refused where a new one lands.
    /// The sequence is persisted before the notice is returned, as for <see cref="RevokeAsync"/>, and the revoked
    /// state is journaled, so the repair also works after a region restart. Null for a node not revoked by this region
    /// (unknown, or only disabled by another region's notice, which must not be made final here).
    /// </summary>
    private (string Site, byte[] Notice)? ReissueNotice(string nodeId) => Host.Read<(string, byte[])?>(_ =>
    {
        NodeView? found = Registry.Find(nodeId);
        if (found is null || !found.Revoked)
        {
            return null;
        }

        if (_enrollment is not null)
        {
            if (_enrollment.Find(nodeId)?.State != NodeState.Revoked)
            {
                return null;
            }

            RevocationIssued? issued = _enrollment.Revoke(nodeId);
            return issued is null ? null : (found.Site, issued.Notice.ToBytes());
        }

        AttestationEnvelope own = _issuer.Issue(nodeId, NodeState.Revoked);
        _journal.IssuedSequence(_issuer.LastSequence);
        return (found.Site, own.ToBytes());
    });

    /// <summary>Stops the API (no new requests), the loop, the transport, then closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Requests still open after 5 s are cut.
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or StoreCorruptException or UnauthorizedAccessException)
        {
            // Already reported by the caller watching Completion.
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The stop cut a publish in flight (an MQTT ack, say): the rest must still be disposed (store, transports).
        }

        if (Desired is not null)
        {
            // The sender stops before the transports it publishes on.
            await Desired.DisposeAsync().ConfigureAwait(false);
        }

        if (_composite is not null)
        {
            // The composite disposes both transports.
            await _composite.DisposeAsync().ConfigureAwait(false);
        }
        else if (Transport is not null)
        {
            await Transport.DisposeAsync().ConfigureAwait(false);
        }

        if (_mqtt is not null)
        {
            await _mqtt.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        Host.Dispose();
        _journal.Dispose();
        _enrollment?.Dispose();
        _apiTls?.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// The enrollment service's options: under <c>--dev</c> the development authorities; otherwise the configured
    /// enrollment CA, EK roots and tokens (files read here, never logged).
    /// </summary>
    private static EnrollmentServiceOptions EnrollmentOptions(RegionDaemonOptions options)
    {
        var o = new EnrollmentServiceOptions(options.Region, Path.Combine(options.DataDirectory, EnrollmentFolder)) { Development = options.Dev };
        if (options.EnrollCaCertFile is null)
        {
            return o;
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(options.EkRootsFile!);
        if (roots.Count == 0)
        {
            throw new InvalidOperationException($"--ek-roots {options.EkRootsFile} holds no certificate");
        }

        HashSet<string> tokens = options.EnrollTokensFile is null ? [] : [.. File.ReadAllLines(options.EnrollTokensFile)
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))];
        return o with
        {
            Authority = RegionCertificateAuthority.LoadPemFiles(options.EnrollCaCertFile, options.EnrollCaKeyFile!),
            ManufacturerRoots = [.. roots],
            EnrollmentTokens = tokens,
            AllowedEkFingerprints = options.AllowedEkFingerprints,
        };
    }

    /// <summary>Re-applies the enrollment service's persisted nodes to a fresh registry (enrolment, unexpired result, revocation).</summary>
    private static void Readmit(NodeRegistry registry, EnrollmentService enrollment)
    {
        foreach (EnrolledNode n in enrollment.Nodes())
        {
            if (registry.Enroll(n.NodeId, n.Site, n.DeltaSigningCertificate) is not null)
            {
                continue;
            }

            if (n.LatestResult is { } result)
            {
                // An expired result is refused here and the node re-attests, as after any restart.
                registry.ApplyAttestationResult(n.NodeId, result);
            }

            if (n.State is NodeState.Revoked or NodeState.Banned)
            {
                registry.Revoke(n.NodeId);
            }
        }
    }

    /// <summary>
    /// One enrollment or attestation request: the service answers it, and what it accepted is applied to the
    /// registry (and journaled) before the reply goes out, so the node's first delta after the reply merges.
    /// </summary>
    private async ValueTask<byte[]?> HandleEnrollmentAsync(RegionRequestKind kind, string site, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        EnrollmentService service = _enrollment!;
        EnrollmentHandled handled = kind == RegionRequestKind.Enroll
            ? await service.HandleEnrollAsync(site, payload, cancellationToken).ConfigureAwait(false)
            : await service.HandleAttestAsync(site, payload, cancellationToken).ConfigureAwait(false);
        if (handled.Enrolled is { } e && Enroll(e.NodeId, e.Site, e.DeltaSigningCertificate) is not null)
        {
            Interlocked.Increment(ref _enrollmentApplyRefusals);
        }

        if (handled.Attested is { } a && ApplyAttestationResult(a.NodeId, a.SignedResult) != Grey.Attestation.Results.ResultCheck.Accepted)
        {
            Interlocked.Increment(ref _enrollmentApplyRefusals);
        }

        return handled.Reply;
    }

    private async Task StartTransportAndApiAsync(RegionDaemonDependencies deps, CancellationToken cancellationToken)
    {
        RegionRequestHandler? requests = Sharding.ShardRequests.Filter(deps.Requests ?? (_enrollment is null ? null : HandleEnrollmentAsync), Options.Shard);
        List<IRegionTransport> parts = [];
        if (_connection is not null)
        {
            Transport = await NatsRegionTransport.StartAsync(_connection, Options.Region, Options.PeerRegions, Sharding.ShardNaming.Nats(deps.NatsLimits, Options.Region, Options.Shard), requests, cancellationToken).ConfigureAwait(false);
            parts.Add(Transport);
        }

        if (Options.Mqtt is { } mqtt)
        {
            _mqtt = await Grey.Region.Daemon.Mqtt.MqttDaemonLink.StartAsync(mqtt, Options.Region, Options.PeerRegions, new Grey.Region.Daemon.Mqtt.MqttRegionLimits(), requests, Sharding.ShardNaming.MqttClientId(Options.Region, Options.Shard), cancellationToken).ConfigureAwait(false);
            parts.Add(_mqtt.Transport);
        }

        // With both brokers, one composite feeds the loop and publishes on both (RegionHost runs one transport).
        _composite = parts.Count > 1 ? new Grey.Region.Daemon.Mqtt.CompositeRegionTransport(parts) : null;
        _publishing = _composite ?? parts[0];
        ShardFilter = Options.Shard.IsSharded ? new Sharding.ShardFilterTransport(_publishing, Options.Shard) : null;
        IRegionTransport observed = Desired.Attach(Host, _publishing, ShardFilter ?? _publishing);
        IRegionTransport loopTransport = deps.WrapTransport?.Invoke(observed) ?? observed;
        _loop = Task.Run(() => Host.RunAsync(loopTransport, _stop.Token), CancellationToken.None);
        _apiTls = ApiTls.Load(Options);
        // No appsettings reload: each watcher takes an inotify instance (128 per user by default), so hosts running
        // many nodes in one process (greyctl dev, sim fleet) failed past about 120 nodes; flags configure Grey.
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = RegionApi.MaxRequestBodyBytes;
            k.Listen(Options.Api!, listen =>
            {
                if (_apiTls is { } tls)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = tls.ServerCertificate;
                        if (tls.ClientCertificates)
                        {
                            // Asked for, never required, and any certificate completes the handshake: the token must
                            // keep working without one, and a certificate from another CA gets a clean 401 from
                            // RegionApi (which checks the chain against --api-client-ca) instead of a cut connection.
                            https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                            https.ClientCertificateValidation = (_, _, _) => true;
                        }
                    });
                }
            });
        });
        _app = builder.Build();
        new RegionApi(this).Map(_app);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }
}
