using System.Security.Cryptography;

namespace Grey.Attestation.Tpm;

/// <summary>
/// The hash algorithms a TPM names by <see cref="TpmAlgId"/>: digest sizes, .NET names and hashing.
/// SHA-1 is known (so that a SHA-1 quote is reported as a downgrade, not as garbage) but never trusted.
/// </summary>
public static class TpmHash
{
    /// <summary>The largest digest any supported bank produces (SHA-512), the bound for every TPM2B_DIGEST.</summary>
    public const int MaxDigestSize = 64;

    public static bool IsHash(TpmAlgId alg) =>
        alg is TpmAlgId.Sha1 or TpmAlgId.Sha256 or TpmAlgId.Sha384 or TpmAlgId.Sha512;

    /// <summary>Digest size in bytes; throws for an algorithm that is not a hash (misuse).</summary>
    public static int DigestSize(TpmAlgId alg) => alg switch
    {
        TpmAlgId.Sha1 => 20,
        TpmAlgId.Sha256 => 32,
        TpmAlgId.Sha384 => 48,
        TpmAlgId.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not a hash algorithm"),
    };

    public static HashAlgorithmName Name(TpmAlgId alg) => alg switch
    {
        TpmAlgId.Sha1 => HashAlgorithmName.SHA1,
        TpmAlgId.Sha256 => HashAlgorithmName.SHA256,
        TpmAlgId.Sha384 => HashAlgorithmName.SHA384,
        TpmAlgId.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not a hash algorithm"),
    };

    public static byte[] Hash(TpmAlgId alg, ReadOnlySpan<byte> data) => alg switch
    {
        TpmAlgId.Sha1 => SHA1.HashData(data),
        TpmAlgId.Sha256 => SHA256.HashData(data),
        TpmAlgId.Sha384 => SHA384.HashData(data),
        TpmAlgId.Sha512 => SHA512.HashData(data),
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not a hash algorithm"),
    };

    public static byte[] Hmac(TpmAlgId alg, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => alg switch
    {
        TpmAlgId.Sha1 => HMACSHA1.HashData(key, data),
        TpmAlgId.Sha256 => HMACSHA256.HashData(key, data),
        TpmAlgId.Sha384 => HMACSHA384.HashData(key, data),
        TpmAlgId.Sha512 => HMACSHA512.HashData(key, data),
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not a hash algorithm"),
    };

    /// <summary>Parses "sha256", "sha384", "sha1", "sha512" (the names tpm2-tools uses).</summary>
    public static bool TryParseName(string text, out TpmAlgId alg)
    {
        alg = text.ToLowerInvariant() switch
        {
            "sha1" => TpmAlgId.Sha1,
            "sha256" => TpmAlgId.Sha256,
            "sha384" => TpmAlgId.Sha384,
            "sha512" => TpmAlgId.Sha512,
            _ => TpmAlgId.Null,
        };
        return alg != TpmAlgId.Null;
    }

    public static string DisplayName(TpmAlgId alg) => alg switch
    {
        TpmAlgId.Sha1 => "sha1",
        TpmAlgId.Sha256 => "sha256",
        TpmAlgId.Sha384 => "sha384",
        TpmAlgId.Sha512 => "sha512",
        _ => $"0x{(ushort)alg:x4}",
    };
}
