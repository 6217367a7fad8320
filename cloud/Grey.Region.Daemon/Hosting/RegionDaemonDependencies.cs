using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Region.Daemon.Nats;
using Grey.Region.Hosting;

namespace Grey.Region.Daemon.Hosting;

/// <summary>
/// What the daemon takes from outside besides its options: the clock, and for tests and later issues the pieces
/// that are otherwise made from the options (the signing certificate, the key attestation results are signed
/// with, limits). Every null means "the daemon's own default".
/// </summary>
internal sealed record RegionDaemonDependencies
{
    /// <summary>The clock (attestation expiry, region delta intervals, revocation notices).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The region's signing certificate with its private key; default: generated and kept under the data directory.</summary>
    public X509Certificate2? SigningCertificate { get; init; }

    /// <summary>The public key attestation results are verified with; default: the region's own signing key (its enrollment service signs them).</summary>
    public ECDsa? AttestationResultKey { get; init; }

    /// <summary>Answers enrollment and attestation requests; default: none (no subscription).</summary>
    public RegionRequestHandler? Requests { get; init; }

    /// <summary>Wraps the transport the ingest loop uses (tests: fault injection between flush and settlement); default: none.</summary>
    public Func<IRegionTransport, IRegionTransport>? WrapTransport { get; init; }

    /// <summary>The region core's limits.</summary>
    public RegionOptions RegionOptions { get; init; } = new() { CheckpointInBackground = true };

    /// <summary>The ingest loop's limits and intervals.</summary>
    public RegionHostOptions HostOptions { get; init; } = new();

    /// <summary>Desired-state delivery limits and intervals.</summary>
    public Grey.Region.Desired.DesiredOptions DesiredOptions { get; init; } = new();

    /// <summary>The NATS stream, consumer and subscription limits.</summary>
    public NatsTransportLimits NatsLimits { get; init; } = new();
}
