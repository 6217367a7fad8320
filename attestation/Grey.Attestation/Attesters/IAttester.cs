using Grey.Attestation.Credentials;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Attesters;

/// <summary>
/// A TPM 2.0 as a node uses it: report its identity for enrolment, answer the registrar's credential
/// challenge, measure what it runs into PCRs (keeping the event log), and quote. Implemented by the
/// in-process <see cref="SoftwareTpm"/> and by <see cref="Tpm2ToolsAttester"/> (swtpm or /dev/tpmrm0).
/// </summary>
public interface IAttester : IAsyncDisposable
{
    /// <summary>The PCR banks this TPM extends on every measurement.</summary>
    IReadOnlyList<TpmAlgId> Banks { get; }

    ValueTask<AttesterIdentity> GetIdentityAsync(CancellationToken cancellationToken = default);

    /// <summary>TPM2_ActivateCredential with the EK and the AK: returns the credential, or throws if the TPM refuses.</summary>
    ValueTask<byte[]> ActivateCredentialAsync(CredentialChallenge challenge, CancellationToken cancellationToken = default);

    /// <summary>Extends <paramref name="pcr"/> in every bank with H_bank(content) and appends the event to the log.</summary>
    ValueTask MeasureAsync(int pcr, uint eventType, ReadOnlyMemory<byte> content, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Quotes the selected PCRs over the nonce; the evidence carries the PCR values and the event log.</summary>
    ValueTask<QuoteEvidence> QuoteAsync(ReadOnlyMemory<byte> nonce, PcrSelection selection, CancellationToken cancellationToken = default);
}
