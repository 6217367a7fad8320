using Grey.Federation.Merge;

namespace Grey.Region.Ingest;

/// <summary>
/// The signer directory the region's <see cref="RegionMerger"/> consults. The region has already decided who
/// signed a delta (registry, attestation, revocation, signature) before it hands the delta to the merger, and
/// on replay the log names the signer that was trusted then; so this directory answers with exactly that one
/// signer, set before each merge and cleared after. The merger still checks the signature with it, and the
/// federation's verification refuses a certificate whose own key identifier differs from the one signed.
/// </summary>
internal sealed class ReplayableSignerDirectory : ISignerDirectory
{
    private KnownSigner? _current;

    public void Set(KnownSigner signer) => _current = signer;

    public void Clear() => _current = null;

    public KnownSigner? Find(ReadOnlySpan<byte> keyId) => _current;
}
