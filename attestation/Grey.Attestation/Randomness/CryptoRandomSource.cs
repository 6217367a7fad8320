using System.Security.Cryptography;

namespace Grey.Attestation.Randomness;

/// <summary>The operating system's cryptographic random number generator.</summary>
public sealed class CryptoRandomSource : IRandomSource
{
    public static CryptoRandomSource Instance { get; } = new();

    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
