using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Enrollment.Protocol;
using Grey.Attestation.Registration;
using Grey.Federation.Identifiers;

namespace Grey.Attestation.Enrollment;

/// <summary>The enroll subject: (a) enroll request → challenge, (b) activation answer → enrolled.</summary>
public sealed partial class EnrollmentService
{
    /// <summary>
    /// Handles one request on <c>grey.enroll.&lt;site&gt;</c> (<paramref name="site"/> is the subject's site).
    /// Never throws for bad input (an invalid <paramref name="site"/> included); a refusal carries its reason code.
    /// </summary>
    public ValueTask<EnrollmentHandled> HandleEnrollAsync(string site, ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
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
                EnrollRequest r => Start(site, r),
                ActivateRequest a => Activate(site, a),
                _ => Refuse(RefusalCodes.UnexpectedMessage, $"{decoded.Message!.Type} is not taken on the enroll subject"),
            });
        }
    }

    private EnrollmentHandled Start(string site, EnrollRequest r)
    {
        if (r.Site != site)
        {
            return Refuse(RefusalCodes.SiteMismatch, $"the request names site '{r.Site}' but came for site '{site}'");
        }

        if (!NodeIds.IsValid(r.NodeId))
        {
            return Refuse(ToCode(RegistrationReason.NodeIdInvalid), $"'{r.NodeId}' is not a node id");
        }

        if (!RegionCertificateAuthority.TryCheckP256(r.DeltaSigningPublicKey, out string keyError))
        {
            return Refuse(RefusalCodes.DeltaKeyInvalid, keyError);
        }

        var identity = new EnrollmentRequest(r.NodeId, r.EkPublic, r.EkCertificate, r.EkIntermediates, r.AkPublic);
        if (_nodes.TryGetValue(r.NodeId, out NodeEntry? known))
        {
            if (known.Stored.Site != site)
            {
                return Refuse(RefusalCodes.WrongSite, $"node '{r.NodeId}' is enrolled for another site");
            }

            // Identity is immutable; checked against the stored record too, in case the registrar could not replay it.
            if (!SameIdentity(known.Stored, identity))
            {
                return Refuse(ToCode(RegistrationReason.IdentityConflict), "the node id is enrolled with another EK, EK certificate or AK");
            }
        }
        else
        {
            string? refusal = Admit(r, out string detail);
            if (refusal is not null)
            {
                return Refuse(refusal, detail);
            }
        }

        ExpireSessions();
        foreach (string stale in _sessions.Where(s => s.Value.NodeId == r.NodeId).Select(s => s.Key).ToList())
        {
            // One pending session per node, as the registrar keeps one pending challenge per node.
            _sessions.Remove(stale);
        }

        if (_sessions.Count >= _options.MaxPendingSessions)
        {
            return Refuse(RefusalCodes.Busy, $"{_options.MaxPendingSessions} enrollment sessions pending");
        }

        RegistrationResult started;
        try
        {
            started = _registrar.StartEnrollment(identity);
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            // The platform rejects some malformed certificates by throwing while building the EK chain (a key on a
            // curve it does not know throws PlatformNotSupportedException).
            return Refuse(ToCode(RegistrationReason.Malformed), "certificate: " + e.Message);
        }

        if (!started.Accepted)
        {
            return Refuse(ToCode(started.Reason), started.Detail);
        }

        byte[] sessionId = new byte[EnrollmentLimits.SessionIdBytes];
        _random.Fill(sessionId);
        DateTimeOffset expires = _time.GetUtcNow() + _options.SessionTimeToLive;
        _sessions[Convert.ToHexString(sessionId)] = new Session(r.NodeId, site, identity, r.DeltaSigningPublicKey, expires);
        var challenge = new EnrollChallenge(sessionId, started.Challenge!.CredentialBlob, started.Challenge.EncryptedSecret, expires);
        return new EnrollmentHandled(EnrollmentCodec.Encode(challenge));
    }

    /// <summary>A first enrollment needs an allowed EK, a valid token, or (development mode) a development software TPM.</summary>
    private string? Admit(EnrollRequest r, out string detail)
    {
        detail = string.Empty;
        if (_options.AllowedEkFingerprints.Contains(EkFingerprint(r.EkCertificate)))
        {
            return null;
        }

        if (r.EnrollmentToken is { } token)
        {
            byte[] hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
            bool valid = false;
            foreach (byte[] accepted in _tokenHashes)
            {
                valid |= CryptographicOperations.FixedTimeEquals(hash, accepted);
            }

            if (valid)
            {
                return null;
            }

            detail = "the enrollment token is not accepted";
            return RefusalCodes.TokenInvalid;
        }

        if (_developmentEks is not null && IsDevelopmentEk(r))
        {
            return null;
        }

        if (_options.AllowedEkFingerprints.Count > 0)
        {
            detail = "no enrollment token, and the EK certificate is not in the allow-list";
            return RefusalCodes.EkNotAllowed;
        }

        detail = "a first enrollment needs an enrollment token";
        return RefusalCodes.TokenMissing;
    }

    private bool IsDevelopmentEk(EnrollRequest r)
    {
        try
        {
            using X509Certificate2 ek = X509CertificateLoader.LoadCertificate(Registrar.TrimDer(r.EkCertificate));
            var intermediates = r.EkIntermediates.Select(d => X509CertificateLoader.LoadCertificate(Registrar.TrimDer(d))).ToList();
            try
            {
                return _developmentEks!.Validate(ek, intermediates, out ImmutableArray<X509Certificate2> _, out _) == RegistrationReason.Accepted;
            }
            finally
            {
                intermediates.ForEach(c => c.Dispose());
            }
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            // Malformed certificates (a key on an unknown curve included) are named precisely by the registrar later.
            return false;
        }
    }

    private EnrollmentHandled Activate(string site, ActivateRequest a)
    {
        string key = Convert.ToHexString(a.SessionId);
        if (!_sessions.Remove(key, out Session? session))
        {
            return Refuse(RefusalCodes.SessionUnknown, "no enrollment session with this id is pending");
        }

        if (session.Site != site)
        {
            return Refuse(RefusalCodes.SiteMismatch, "the session belongs to another site");
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (now >= session.ExpiresAt)
        {
            return Refuse(RefusalCodes.SessionExpired, $"the session expired at {session.ExpiresAt:u}");
        }

        RegistrationResult done = _registrar.CompleteEnrollment(session.NodeId, a.ActivatedSecret);
        if (!done.Accepted)
        {
            return Refuse(ToCode(done.Reason), done.Detail);
        }

        X509Certificate2 cert = _authority.IssueDeltaSigningCertificate(session.NodeId, site, session.DeltaSigningPublicKey,
            now.AddMinutes(-1), now + _options.DeltaCertificateLifetime);
        if (!_nodes.TryGetValue(session.NodeId, out NodeEntry? entry))
        {
            entry = new NodeEntry(NewStored(session, now), cert) { State = NodeState.Enabled };
            entry.Stored.DeltaSigningCertificate = Convert.ToBase64String(cert.RawData);
        }
        else
        {
            entry.Certificate = cert;
            entry.Stored.DeltaSigningCertificate = Convert.ToBase64String(cert.RawData);
            if (!_registrar.TryGet(session.NodeId, out _))
            {
                // The node's stored enrollment did not replay at start; this enrollment restored it.
                entry.State = NodeState.Enabled;
            }
        }

        try
        {
            _store.SaveNode(entry.Stored);
        }
        catch (IOException e)
        {
            return Refuse(RefusalCodes.StorageFailed, "the region could not store the enrollment: " + e.Message);
        }

        _nodes[session.NodeId] = entry;
        var reply = new EnrolledReply(Region, session.NodeId, cert.RawData, _authority.Certificate.RawData, SigningCertificate.RawData);
        return new EnrollmentHandled(EnrollmentCodec.Encode(reply))
        {
            Enrolled = new NodeEnrolled(session.NodeId, site, X509CertificateLoader.LoadCertificate(cert.RawData)),
        };
    }

    private static StoredNode NewStored(Session session, DateTimeOffset now) => new()
    {
        NodeId = session.NodeId,
        Site = session.Site,
        State = nameof(NodeState.Enabled),
        EnrolledAtMs = now.ToUnixTimeMilliseconds(),
        EkPublic = Convert.ToBase64String(session.Request.EkPublic),
        EkCertificate = Convert.ToBase64String(Registrar.TrimDer(session.Request.EkCertificate)),
        EkIntermediates = [.. session.Request.EkIntermediates.Select(Convert.ToBase64String)],
        AkPublic = Convert.ToBase64String(session.Request.AkPublic),
    };

    private static bool SameIdentity(StoredNode stored, EnrollmentRequest request) =>
        Convert.FromBase64String(stored.EkPublic).AsSpan().SequenceEqual(request.EkPublic)
        && Convert.FromBase64String(stored.AkPublic).AsSpan().SequenceEqual(request.AkPublic)
        && Convert.FromBase64String(stored.EkCertificate).AsSpan().SequenceEqual(Registrar.TrimDer(request.EkCertificate));

    private void ExpireSessions()
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (string key in _sessions.Where(s => s.Value.ExpiresAt <= now).Select(s => s.Key).ToList())
        {
            _sessions.Remove(key);
        }
    }

    private static EnrollmentHandled Refuse(string code, string message) =>
        new(EnrollmentCodec.Encode(Refusal.Of(code, message)), code);
}
