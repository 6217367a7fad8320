namespace Grey.Region.Daemon.Nats;

/// <summary>Which request subject a site's request came on.</summary>
internal enum RegionRequestKind
{
    /// <summary><c>grey.enroll.&lt;site&gt;</c>.</summary>
    Enroll = 0,

    /// <summary><c>grey.attest.&lt;site&gt;</c>.</summary>
    Attest = 1,
}

/// <summary>Answers one enrollment or attestation request of <paramref name="site"/>; null sends no reply.</summary>
internal delegate ValueTask<byte[]?> RegionRequestHandler(RegionRequestKind kind, string site, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
