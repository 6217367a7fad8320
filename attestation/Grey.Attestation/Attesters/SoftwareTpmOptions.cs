using Grey.Attestation.Tpm;

namespace Grey.Attestation.Attesters;

/// <summary>Options of the <see cref="SoftwareTpm"/>.</summary>
/// <param name="EkType">RSA (2048, OAEP credential protection) or ECC (P-256, ECDH). Default RSA.</param>
/// <param name="AkType">ECC (P-256, ECDSA-SHA256) or RSA (2048, RSASSA-SHA256). Default ECC.</param>
/// <param name="StateDirectory">Where keys and counters persist; null keeps everything in memory. With a
/// directory, every start counts a reset, as a TPM does at every boot.</param>
/// <param name="Banks">PCR banks. Default SHA-256 and SHA-384.</param>
public sealed record SoftwareTpmOptions(
    TpmAlgId EkType = TpmAlgId.Rsa,
    TpmAlgId AkType = TpmAlgId.Ecc,
    string? StateDirectory = null,
    IReadOnlyList<TpmAlgId>? Banks = null)
{
    public IReadOnlyList<TpmAlgId> PcrBanks => Banks ?? [TpmAlgId.Sha256, TpmAlgId.Sha384];

    /// <summary>The AK's object attributes; tests change them to make a key a real TPM would not accept as an AK.</summary>
    public TpmObjectAttributes AkAttributes { get; init; } = TpmObjectAttributes.AttestationKeyRequired | TpmObjectAttributes.UserWithAuth;

    /// <summary>The AK's signing hash (and scheme hash). Tests use SHA-1 to model a downgrade.</summary>
    public TpmAlgId AkHash { get; init; } = TpmAlgId.Sha256;

    /// <summary>Validity of a newly issued EK certificate. Default ten years.</summary>
    public TimeSpan EkCertificateValidity { get; init; } = TimeSpan.FromDays(3650);

    public void Validate()
    {
        var errors = new List<string>();
        if (EkType is not (TpmAlgId.Rsa or TpmAlgId.Ecc) || AkType is not (TpmAlgId.Rsa or TpmAlgId.Ecc))
        {
            errors.Add("EkType and AkType must be Rsa or Ecc");
        }

        if (PcrBanks.Count == 0 || PcrBanks.Any(b => !TpmHash.IsHash(b)))
        {
            errors.Add("Banks must be hash algorithms");
        }

        if (!TpmHash.IsHash(AkHash))
        {
            errors.Add("AkHash must be a hash algorithm");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }
    }
}
