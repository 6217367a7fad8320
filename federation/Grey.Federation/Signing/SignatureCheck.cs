using System.Security.Cryptography.X509Certificates;

namespace Grey.Federation.Signing;

/// <summary>The result of verifying a detached signature: a status, the signer's key id, its certificate when found, and a reason.</summary>
public sealed record SignatureCheck(SignatureStatus Status, ReadOnlyMemory<byte> KeyId, X509Certificate2? Certificate, string Reason)
{
    /// <summary>Whether the signature is valid.</summary>
    public bool IsValid => Status == SignatureStatus.Valid;
}
