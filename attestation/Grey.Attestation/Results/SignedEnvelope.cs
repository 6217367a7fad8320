using System.Security.Cryptography;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Results;

/// <summary>
/// A payload and its ECDSA P-256 / SHA-256 signature (IEEE P1363 r ‖ s), marshalled as two TPM2B buffers.
/// Used for attestation results and revocation notices, whose payloads are canonical binary encodings.
/// </summary>
public sealed record SignedEnvelope(byte[] Payload, byte[] Signature)
{
    /// <summary>The largest payload accepted.</summary>
    public const int MaxPayload = 16 * 1024;

    public static SignedEnvelope Sign(ReadOnlySpan<byte> payload, ECDsa key)
    {
        if (payload.Length > MaxPayload)
        {
            throw new ArgumentException($"payload above {MaxPayload} bytes", nameof(payload));
        }

        return new SignedEnvelope(payload.ToArray(), key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    public bool Verify(ECDsa publicKey) =>
        publicKey.VerifyData(Payload, Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public byte[] ToBytes() => new TpmWriter().Sized(Payload).Sized(Signature).ToArray();

    public static bool TryParse(ReadOnlySpan<byte> bytes, out SignedEnvelope? envelope, out string error)
    {
        envelope = null;
        error = string.Empty;
        try
        {
            var r = new TpmReader(bytes, "signed envelope");
            byte[] payload = r.Sized(MaxPayload, "payload").ToArray();
            byte[] signature = r.Sized(132, "signature").ToArray();
            r.End();
            envelope = new SignedEnvelope(payload, signature);
            return true;
        }
        catch (TpmFormatException e)
        {
            error = e.Message;
            return false;
        }
    }
}
