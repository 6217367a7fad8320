namespace Grey.Federation.Merge;

/// <summary>
/// Finds the signer named by a subject key identifier: only nodes whose latest attestation passed, is
/// fresh and is not revoked should be found (the region's registrar decides; DESIGN G4).
/// </summary>
public interface ISignerDirectory
{
    /// <summary>The signer with this key id, or null when unknown, revoked or not attested.</summary>
    KnownSigner? Find(ReadOnlySpan<byte> keyId);
}
