namespace Grey.Attestation.Tpm;

/// <summary>
/// Raised inside the strict decoders when bytes do not follow the TPM 2.0 layout. It never escapes the
/// public TryParse methods, which turn it into an error message: malformed evidence is an expected failure.
/// </summary>
public sealed class TpmFormatException : Exception
{
    public TpmFormatException(string message)
        : base(message)
    {
    }

    public TpmFormatException()
        : base("malformed TPM structure")
    {
    }

    public TpmFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
