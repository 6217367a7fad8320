using System.Security.Cryptography;

namespace Grey.Attestation.Tpm;

/// <summary>TPM_ECC_CURVE values for the NIST curves Grey accepts.</summary>
public enum TpmEccCurve : ushort
{
    NistP256 = 0x0003,
    NistP384 = 0x0004,
    NistP521 = 0x0005,
}

/// <summary>Mappings between TPM curve identifiers and .NET curves.</summary>
public static class TpmEccCurves
{
    public static int CoordinateSize(TpmEccCurve curve) => curve switch
    {
        TpmEccCurve.NistP256 => 32,
        TpmEccCurve.NistP384 => 48,
        TpmEccCurve.NistP521 => 66,
        _ => throw new ArgumentOutOfRangeException(nameof(curve)),
    };

    public static ECCurve ToCurve(TpmEccCurve curve) => curve switch
    {
        TpmEccCurve.NistP256 => ECCurve.NamedCurves.nistP256,
        TpmEccCurve.NistP384 => ECCurve.NamedCurves.nistP384,
        TpmEccCurve.NistP521 => ECCurve.NamedCurves.nistP521,
        _ => throw new ArgumentOutOfRangeException(nameof(curve)),
    };

    public static bool TryFromOid(string? oid, out TpmEccCurve curve)
    {
        curve = oid switch
        {
            "1.2.840.10045.3.1.7" => TpmEccCurve.NistP256,
            "1.3.132.0.34" => TpmEccCurve.NistP384,
            "1.3.132.0.35" => TpmEccCurve.NistP521,
            _ => 0,
        };
        return curve != 0;
    }
}
