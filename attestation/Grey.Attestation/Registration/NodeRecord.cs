using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Registration;

/// <summary>
/// An enrolled node: its immutable identity (EK, EK certificate chain, AK) and its state. The AK verifier
/// is created once here because importing a key costs more than verifying a signature.
/// </summary>
public sealed class NodeRecord
{
    internal NodeRecord(string nodeId, TpmPublic ek, ImmutableArray<X509Certificate2> ekChain, TpmPublic ak, NodeState state, DateTimeOffset enrolledAt)
    {
        NodeId = nodeId;
        Ek = ek;
        EkChain = ekChain;
        Ak = ak;
        AkName = ak.Name;
        State = state;
        EnrolledAt = enrolledAt;
        AkVerifier = ak.CreateVerifier();
        EkChainNotBefore = ekChain.Max(c => new DateTimeOffset(c.NotBefore.ToUniversalTime()));
        EkChainNotAfter = ekChain.Min(c => new DateTimeOffset(c.NotAfter.ToUniversalTime()));
    }

    public string NodeId { get; }

    public TpmPublic Ek { get; }

    /// <summary>The EK certificate first, then its issuers up to (and including) the pinned root.</summary>
    public ImmutableArray<X509Certificate2> EkChain { get; }

    public TpmPublic Ak { get; }

    public byte[] AkName { get; }

    public NodeState State { get; internal set; }

    public DateTimeOffset EnrolledAt { get; }

    /// <summary>The latest NotBefore of the chain: before it, some certificate is not yet valid.</summary>
    public DateTimeOffset EkChainNotBefore { get; }

    /// <summary>The earliest NotAfter of the chain: after it, some certificate has expired.</summary>
    public DateTimeOffset EkChainNotAfter { get; }

    internal TpmSignatureVerifier AkVerifier { get; }
}
