using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Credentials;
using Grey.Attestation.Enrollment.Protocol;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;
using Grey.Federation.Identifiers;
using AttestationEnvelope = Grey.Attestation.Results.SignedEnvelope;

namespace Grey.Attestation.Enrollment;

/// <summary>The two exchanges: enrollment (request, challenge, activation, certificates) and attestation (nonce, quote, result).</summary>
public sealed partial class EnrollmentClient
{
    private async ValueTask<EnrollmentStepResult> EnsureEnrolledCoreAsync(CancellationToken cancellationToken)
    {
        Snapshot s = _now;
        if (s.Certificate is not null && s.Trust is not null
            && new DateTimeOffset(s.Certificate.NotAfter.ToUniversalTime()) - _time.GetUtcNow() > _options.RenewBefore)
        {
            return new EnrollmentStepResult(EnrollmentStepStatus.Current, $"enrolled with region {s.Trust.Region} until {s.Certificate.NotAfter.ToUniversalTime():u}");
        }

        return await EnrollCoreAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<EnrollmentStepResult> EnrollCoreAsync(CancellationToken cancellationToken)
    {
        AttesterIdentity identity;
        try
        {
            identity = await _attester.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return TpmFailed(e);
        }

        if (identity.EkIntermediates.Count > EnrollmentLimits.MaxIntermediates)
        {
            throw new InvalidOperationException($"the TPM reports {identity.EkIntermediates.Count} EK intermediates, at most {EnrollmentLimits.MaxIntermediates} can be sent");
        }

        var request = new EnrollRequest(NodeId, Site, identity.EkPublic, identity.EkCertificate, identity.EkIntermediates, identity.AkPublic,
            _spki, _options.EnrollmentToken, _options.SiteEpoch);
        (EnrollmentMessage? first, EnrollmentStepResult? failure) = await RequestAsync(EnrollmentRequestKind.Enroll, request, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        if (first is not EnrollChallenge challenge)
        {
            return Reject(ClientRejectionCodes.ReplyMalformed, $"expected a challenge, the region sent {first!.Type}");
        }

        byte[] secret;
        try
        {
            secret = await _attester.ActivateCredentialAsync(new CredentialChallenge(challenge.CredentialBlob, challenge.EncryptedSecret), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The TPM (or tpm2-tools) refusing the credential: the challenge was not made for this EK and AK.
            return Reject(ClientRejectionCodes.ActivationFailed, $"the TPM did not activate the credential: {e.Message}");
        }

        (EnrollmentMessage? second, failure) = await RequestAsync(EnrollmentRequestKind.Enroll, new ActivateRequest(challenge.SessionId, secret), cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        return second is EnrolledReply enrolled
            ? AcceptGuarded(enrolled)
            : Reject(ClientRejectionCodes.ReplyMalformed, $"expected the enrollment, the region sent {second!.Type}");
    }

    /// <summary>Certificates from the wire can be malformed in ways the platform reports only by throwing.</summary>
    private EnrollmentStepResult AcceptGuarded(EnrolledReply reply)
    {
        try
        {
            return Accept(reply);
        }
        catch (CryptographicException e)
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "a certificate of the enrollment cannot be used: " + e.Message);
        }
    }

    private EnrollmentStepResult Accept(EnrolledReply reply)
    {
        if (reply.NodeId != NodeId || !FederationId.IsValid(reply.Region))
        {
            return Reject(ClientRejectionCodes.ReplyMalformed, $"the enrollment names node '{reply.NodeId}' of region '{reply.Region}'");
        }

        using X509Certificate2? ca = EnrollmentClientStore.TryParseCertificate(reply.RegionCaCertificate);
        using X509Certificate2? signing = EnrollmentClientStore.TryParseCertificate(reply.RegionSigningCertificate);
        using X509Certificate2? cert = EnrollmentClientStore.TryParseCertificate(reply.DeltaSigningCertificate);
        if (ca is null || signing is null || cert is null)
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "a certificate of the enrollment does not parse");
        }

        X509Certificate2? pinned = _configuredCa ?? _now.Trust?.PinnedCa ?? _store.LoadCertificate(EnrollmentClientStore.CaFile);
        if (pinned is not null && !SameCa(pinned, ca))
        {
            return Reject(ClientRejectionCodes.CaMismatch,
                $"the region presents CA '{ca.Subject}' ({ca.Thumbprint}); this node pinned '{pinned.Subject}' ({pinned.Thumbprint})");
        }

        // Trust on first use pins the CA presented; a configured CA pins itself. Either way the pin is a CA.
        X509Certificate2 pin = pinned ?? ca;
        if (!RegionCertificateAuthority.IsCa(pin))
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "the region CA certificate is not a CA");
        }

        if (!RegionTrust.TryCreate(reply.Region, pin, signing, _time, _state.RevocationSequence, out RegionTrust? trust, out string error))
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "the region signing certificate: " + error);
        }

        if (!cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(_spki))
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "the delta-signing certificate is not for this node's key");
        }

        if (!RegionTrust.ChainsTo(pin, cert, _time.GetUtcNow(), out error))
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "the delta-signing certificate: " + error);
        }

        if (!cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any())
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "the delta-signing certificate has no subject key identifier");
        }

        // Stored before it is used: a crash after this leaves a complete, consistent enrollment on disk.
        _store.SaveCertificate(EnrollmentClientStore.CaFile, pin);
        _store.SaveCertificate(EnrollmentClientStore.RegionSigningFile, signing);
        _store.SaveCertificate(EnrollmentClientStore.CertificateFile, cert);
        lock (_state)
        {
            _state.Region = reply.Region;
            _store.SaveState(_state);
        }

        X509Certificate2 withKey = cert.CopyWithPrivateKey(_key);
        Snapshot previous = _now;
        _now = new Snapshot(withKey, trust, previous.Result, previous.ResultExpiresAt, previous.AttestDue);
        SigningCertificateChanged?.Invoke(withKey);
        return new EnrollmentStepResult(EnrollmentStepStatus.Enrolled, $"enrolled with region {reply.Region}; certificate valid until {cert.NotAfter.ToUniversalTime():u}");
    }

    private async ValueTask<EnrollmentStepResult> AttestCoreAsync(CancellationToken cancellationToken)
    {
        Snapshot s = _now;
        if (s.Certificate is not { } certificate || s.Trust is null)
        {
            throw new InvalidOperationException("attest after enrolling");
        }

        (EnrollmentMessage? first, EnrollmentStepResult? failure) = await RequestAsync(EnrollmentRequestKind.Attest, new NonceRequest(NodeId), cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        if (first is not NonceReply nonce)
        {
            return Reject(ClientRejectionCodes.ReplyMalformed, $"expected a nonce, the region sent {first!.Type}");
        }

        int bindingPcr = nonce.KeyBindingPcr is { } p ? (int)p : _options.KeyBindingPcr;
        PcrSelection? selection = PcrSelection.Of(TpmAlgId.Sha256, bindingPcr);
        if (nonce.PcrSelection.Length > 0 && !PcrSelection.TryParseList(nonce.PcrSelection, out selection, out string selectionError))
        {
            return Reject(ClientRejectionCodes.SelectionInvalid, $"'{nonce.PcrSelection}': {selectionError}");
        }

        if (nonce.Nonce.Length > TpmsAttest.MaxExtraDataSize)
        {
            return Reject(ClientRejectionCodes.ReplyMalformed, $"a {nonce.Nonce.Length}-byte nonce does not fit a quote");
        }

        QuoteEvidence evidence;
        try
        {
            if (!_bound)
            {
                // Once per boot of this client: every start of a software TPM is a boot, and re-extending the same
                // key on a TPM that did not reboot keeps the binding valid (the last binding event is what counts).
                await _attester.BindDeltaSigningKeyAsync(certificate, bindingPcr, cancellationToken).ConfigureAwait(false);
                _bound = true;
            }

            evidence = await _attester.QuoteAsync(nonce.Nonce, selection!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return TpmFailed(e);
        }

        evidence = evidence with { DeltaSigningCertificate = certificate.RawData };
        (EnrollmentMessage? second, failure) = await RequestAsync(EnrollmentRequestKind.Attest, new QuoteResponse(NodeId, evidence), cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        if (second is not AttestationOutcomeReply outcome)
        {
            return Reject(ClientRejectionCodes.ReplyMalformed, $"expected an attestation outcome, the region sent {second!.Type}");
        }

        try
        {
            return AcceptResult(outcome, certificate, s.Trust);
        }
        catch (CryptographicException e)
        {
            return Reject(ClientRejectionCodes.CertificateInvalid, "the region's signing certificate cannot be used: " + e.Message);
        }
    }

    /// <summary>A TPM (or tpm2-tools) failure is local and usually transient: report it as "try again later".</summary>
    private static EnrollmentStepResult TpmFailed(Exception e) =>
        new(EnrollmentStepStatus.Unavailable, $"the TPM failed: {e.GetType().Name}: {e.Message}");

    private EnrollmentStepResult AcceptResult(AttestationOutcomeReply outcome, X509Certificate2 certificate, RegionTrust trust)
    {
        if (!trust.RegionSigningCertificate.RawDataMemory.Span.SequenceEqual(outcome.RegionSigningCertificate))
        {
            // The region renewed its signing certificate: follow it only if it chains to the pinned CA.
            using X509Certificate2? renewed = EnrollmentClientStore.TryParseCertificate(outcome.RegionSigningCertificate);
            if (renewed is null || !RegionTrust.TryCreate(trust.Region, trust.PinnedCa, renewed, _time, trust.LastRevocationSequence, out RegionTrust? next, out string error))
            {
                return Reject(ClientRejectionCodes.CertificateInvalid, "the region's new signing certificate does not chain to the pinned CA");
            }

            _store.SaveCertificate(EnrollmentClientStore.RegionSigningFile, renewed);
            trust = next!;
        }

        if (!AttestationEnvelope.TryParse(outcome.SignedResult, out AttestationEnvelope? signed, out string parseError))
        {
            return Reject(ClientRejectionCodes.ResultInvalid, "the signed result: " + parseError);
        }

        ResultCheck check = trust.CheckAttestationResult(signed!, NodeId, KeyBinding.KeyIdentifier(certificate), out AttestationResult? result);
        if (check != ResultCheck.Accepted)
        {
            return Reject(ClientRejectionCodes.ResultInvalid, $"the signed result does not check: {check}");
        }

        // Re-attest half-way through the result's life, measured on this node's clock (the clocks may differ).
        TimeSpan lifetime = result!.ExpiresAt - result.IssuedAt;
        DateTimeOffset due = _time.GetUtcNow() + (lifetime / 2);
        _now = new Snapshot(certificate, trust, signed, result.ExpiresAt, due);
        string reboot = outcome.Reboot ? (outcome.UncleanReboot ? "; the region saw an unclean reboot" : "; the region saw a reboot") : string.Empty;
        return new EnrollmentStepResult(EnrollmentStepStatus.Attested, $"attested until {result.ExpiresAt:u}{reboot}");
    }
}
