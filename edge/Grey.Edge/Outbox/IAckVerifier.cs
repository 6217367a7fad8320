using Grey.Federation.Messages;

namespace Grey.Edge.Outbox;

/// <summary>
/// Verifies a signed region acknowledgement exactly as received on <c>grey.ack.&lt;site&gt;</c> (the signed
/// envelope of a <see cref="RegionAck"/>): the signature is by a region certificate that chains to the CA the node
/// pinned at enrollment. Region, site, epoch and chain hash are checked by the outbox afterwards.
/// </summary>
internal interface IAckVerifier
{
    /// <summary>Verifies; never throws for bad input.</summary>
    AckVerification Verify(ReadOnlyMemory<byte> signedAck);
}

/// <summary>The outcome of verifying a signed ack: the ack when trusted, else why not.</summary>
internal readonly record struct AckVerification(RegionAck? Ack, string? Error)
{
    /// <summary>True when the signature verified with a trusted region certificate.</summary>
    public bool IsTrusted => Ack is not null;

    /// <summary>A trusted ack.</summary>
    public static AckVerification Trusted(RegionAck ack) => new(ack, null);

    /// <summary>A refusal with its reason.</summary>
    public static AckVerification Refused(string error) => new(null, error);
}
