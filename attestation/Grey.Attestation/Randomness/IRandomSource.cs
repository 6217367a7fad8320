namespace Grey.Attestation.Randomness;

/// <summary>
/// Where the attestation code takes random bytes from (nonces, credential secrets, ECDH and OAEP seeds).
/// Production uses <see cref="CryptoRandomSource"/>; tests and the simulator may inject a seeded source.
/// </summary>
public interface IRandomSource
{
    void Fill(Span<byte> destination);
}
