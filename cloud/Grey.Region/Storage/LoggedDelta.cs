namespace Grey.Region.Storage;

/// <summary>
/// One accepted signed delta as the log keeps it: the wire bytes exactly as received, and the signer that
/// was trusted when it was accepted (site and delta-signing certificate). Replay merges it again with that
/// signer, so a later revocation or an expired attestation never changes what an acknowledged delta did.
/// </summary>
internal sealed record LoggedDelta(ulong Sequence, string SignerSite, byte[] Certificate, byte[] Wire);
