using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Signing;

namespace Grey.Region.Ingest;

/// <summary>
/// The part of ingesting a site delta that needs none of the core's state: the envelope and the delta decoded, and the
/// signature checked against the certificate the registry held for the signer's key id at that moment. The host
/// prepares a batch on several cores (<see cref="RegionCore.Prepare"/>), then ingests it in order on one; ingest uses
/// the signature check only when the signer's certificate is still the same object, and checks again otherwise.
/// </summary>
public sealed class PreparedDelta
{
    internal PreparedDelta(DecodeResult<SignedEnvelope> envelope, DecodeResult<Delta>? decoded, X509Certificate2? verifiedWith, SignatureCheck? signature)
    {
        Envelope = envelope;
        Decoded = decoded;
        VerifiedWith = verifiedWith;
        Signature = signature;
    }

    internal DecodeResult<SignedEnvelope> Envelope { get; }

    internal DecodeResult<Delta>? Decoded { get; }

    internal X509Certificate2? VerifiedWith { get; }

    internal SignatureCheck? Signature { get; }
}
