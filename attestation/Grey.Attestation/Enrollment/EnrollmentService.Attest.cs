using Grey.Attestation.Enrollment.Protocol;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Verification;
using Grey.Federation.Identifiers;

namespace Grey.Attestation.Enrollment;

/// <summary>The attest subject: (c) nonce request → nonce, (d) quote response → signed attestation result.</summary>
public sealed partial class EnrollmentService
{
    /// <summary>
    /// Handles one request on <c>grey.attest.&lt;site&gt;</c> (<paramref name="site"/> is the subject's site).
    /// Never throws for bad input (an invalid <paramref name="site"/> included); a refused quote carries the verifier's reason code.
    /// </summary>
    public ValueTask<EnrollmentHandled> HandleAttestAsync(string site, ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!FederationId.IsValid(site))
        {
            // The site comes from the subject a request arrived on (a wildcard subscription): bad input, not misuse.
            return ValueTask.FromResult(Refuse(RefusalCodes.SiteMismatch, "the subject does not name a valid site id"));
        }

        DecodedMessage decoded = EnrollmentCodec.Decode(request);
        if (!decoded.Ok)
        {
            return ValueTask.FromResult(Refuse(decoded.Code!, decoded.Error!));
        }

        lock (_lock)
        {
            return ValueTask.FromResult(decoded.Message switch
            {
                NonceRequest n => IssueNonce(site, n),
                QuoteResponse q => Judge(site, q),
                _ => Refuse(RefusalCodes.UnexpectedMessage, $"{decoded.Message!.Type} is not taken on the attest subject"),
            });
        }
    }

    private EnrollmentHandled IssueNonce(string site, NonceRequest n)
    {
        EnrollmentHandled? refusal = CheckNode(site, n.NodeId, out _);
        if (refusal is not null)
        {
            return refusal;
        }

        byte[] nonce = _verifier.IssueNonce(n.NodeId);
        AttestationPolicy policy = _verifier.Policy;
        var reply = new NonceReply(nonce, policy.RequiredSelection?.ToString() ?? string.Empty,
            policy.KeyBindingPcr is { } pcr ? (ulong)pcr : null, _time.GetUtcNow() + _options.Nonces.Ttl);
        return new EnrollmentHandled(EnrollmentCodec.Encode(reply));
    }

    private EnrollmentHandled Judge(string site, QuoteResponse q)
    {
        EnrollmentHandled? refusal = CheckNode(site, q.NodeId, out NodeEntry? entry);
        if (refusal is not null)
        {
            return refusal;
        }

        if (q.Evidence.DeltaSigningCertificate is not { } presented || !presented.AsSpan().SequenceEqual(entry!.Certificate.RawData))
        {
            return Refuse(RefusalCodes.CertificateUnknown, "the delta-signing certificate presented is not the one this region issued to the node; enroll again");
        }

        VerificationOutcome outcome = _verifier.Verify(q.NodeId, q.Evidence);
        if (!outcome.Accepted)
        {
            return Refuse(outcome.Code.ToCode(), outcome.Detail);
        }

        SignedEnvelope signed = outcome.SignedResult
            ?? throw new InvalidOperationException("the verifier passed a quote without signing a result: the policy must bind the key");
        AttestationResult result = AttestationResult.Parse(signed.Payload);
        entry.LatestResult = signed;
        entry.ResultExpiresAt = result.ExpiresAt;
        entry.Stored.LatestResult = Convert.ToBase64String(signed.ToBytes());
        try
        {
            _store.SaveNode(entry.Stored);
        }
        catch (IOException)
        {
            // The result is valid without being stored: a restarted region merely lacks it until the node's
            // next attestation (at half its lifetime), and loses one clock-history point. Not worth a refusal.
        }

        var reply = new AttestationOutcomeReply(signed.ToBytes(), result.ExpiresAt, outcome.Reboot, outcome.UncleanReboot, SigningCertificate.RawData);
        return new EnrollmentHandled(EnrollmentCodec.Encode(reply))
        {
            Attested = new NodeAttested(q.NodeId, site, signed, result.ExpiresAt, outcome.Reboot, outcome.UncleanReboot),
        };
    }

    private EnrollmentHandled? CheckNode(string site, string nodeId, out NodeEntry? entry)
    {
        if (!_nodes.TryGetValue(nodeId, out entry))
        {
            return Refuse(RefusalCodes.NodeUnknown, $"node '{nodeId}' is not enrolled with region {Region}");
        }

        if (entry.Stored.Site != site)
        {
            return Refuse(RefusalCodes.WrongSite, $"node '{nodeId}' is enrolled for another site");
        }

        return entry.State == NodeState.Enabled ? null : Refuse(RefusalCodes.NodeNotEnabled, $"node '{nodeId}' is {entry.State}");
    }
}
