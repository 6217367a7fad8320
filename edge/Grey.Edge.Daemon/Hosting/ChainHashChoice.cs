using Grey.Edge.Daemon.Config;
using Grey.Federation.Hashing;

namespace Grey.Edge.Daemon.Hosting;

/// <summary>
/// Which SHA-256 a <c>grey-edge</c> process gives the chain hash. The managed one keeps OpenSSL (about 3.5 MB resident)
/// out of the process, but only where nothing else loads it, and it costs CPU on every applied entry (1.3 against
/// 0.6 µs for 300 bytes on a CPU with SHA instructions; about 4% of a 3-node group's samples under write load,
/// docs/BENCHMARKS.md). So it is chosen for a one-node site without TLS, region or device listener, the footprint case
/// of issue 5; a node with peers (mutual TLS by default, and the group whose throughput counts), <c>--region</c>
/// (signing, attestation), <c>--api-cert</c> or <c>--device-mqtt</c> (TLS, password hashing) keeps the system one.
/// Both give the same bytes, so the choice never changes a hash.
/// </summary>
internal static class ChainHashChoice
{
    /// <summary>The implementation for a node started with <paramref name="options"/>.</summary>
    public static Sha256Implementation For(DaemonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool standalone = options.Peers.Count == 0 && options.Region is null && options.ApiCertFile is null && options.DeviceMqtt is null;
        return standalone ? Sha256Implementation.Managed : Sha256Implementation.System;
    }
}
