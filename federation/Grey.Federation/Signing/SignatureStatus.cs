namespace Grey.Federation.Signing;

/// <summary>The verdict on a signature.</summary>
public enum SignatureStatus
{
    /// <summary>The signature verifies with the signer's certificate.</summary>
    Valid = 0,

    /// <summary>The lookup knows no certificate for the subject key identifier.</summary>
    SignerUnknown = 1,

    /// <summary>The signature does not verify over the content with the signer's certificate, or the certificate's key is not P-256.</summary>
    SignatureInvalid = 2,

    /// <summary>The SignedData is outside the accepted profile.</summary>
    Malformed = 3,
}
