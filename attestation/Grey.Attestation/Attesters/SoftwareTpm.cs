using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Credentials;
using Grey.Attestation.Events;
using Grey.Attestation.Pcr;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Attesters;

/// <summary>
/// A TPM 2.0 in process, for the simulator, fast tests and nodes without a TPM: an EK with a certificate
/// from a <see cref="SoftwareManufacturer"/>, a restricted signing AK, PCR banks, the clock with reset and
/// restart counters and <c>safe</c>, TPM2_ActivateCredential, and quotes in the real wire format. It
/// protects nothing a real TPM protects (its keys are in memory), which is why registrars pin its
/// manufacturer root only for software fleets. Thread-safe through one lock.
/// </summary>
public sealed class SoftwareTpm : IAttester
{
    /// <summary>The firmware version it reports.</summary>
    public const ulong FirmwareVersion = 0x2026_0001_0000_0000;

    /// <summary>The standard EK policy (PolicySecret of the endorsement hierarchy), as in the TCG EK profile.</summary>
    private static readonly byte[] EkPolicy = Convert.FromHexString("837197674484B3F81A90CC8D46A5D724FD52D76E06520B64F2A1DA1B331469AA");

    private readonly Lock _lock = new();
    private readonly SoftwareTpmOptions _options;
    private readonly TimeProvider _time;
    private readonly AsymmetricAlgorithm _ekPrivate;
    private readonly AsymmetricAlgorithm _akPrivate;
    private readonly PcrBank _pcrs;
    private readonly List<MeasurementEvent> _log = [];
    private readonly SoftwareTpmState _state;
    private long _startTimestamp;
    private ulong _clockAtStart;
    private long _clockAdjustMs;
    private bool _safe;

    private SoftwareTpm(SoftwareTpmOptions options, TimeProvider time, SoftwareTpmState state, AsymmetricAlgorithm ek, AsymmetricAlgorithm ak, X509Certificate2 ekCert, bool safe)
    {
        _options = options;
        _time = time;
        _state = state;
        _ekPrivate = ek;
        _akPrivate = ak;
        EkCertificate = ekCert;
        _pcrs = new PcrBank([.. options.PcrBanks]);
        Ek = ek is RSA rsa
            ? TpmPublic.ForRsa(rsa.ExportParameters(false), EkAttributes, TpmAlgId.Null, TpmAlgId.Null, TpmAlgId.Sha256, EkPolicy, 128)
            : TpmPublic.ForEcc(((ECDiffieHellman)ek).ExportParameters(false), EkAttributes, TpmAlgId.Null, TpmAlgId.Null, TpmAlgId.Sha256, EkPolicy, 128);
        Ak = ak is RSA akRsa
            ? TpmPublic.ForRsa(akRsa.ExportParameters(false), options.AkAttributes, TpmAlgId.RsaSsa, options.AkHash)
            : TpmPublic.ForEcc(((ECDsa)ak).ExportParameters(false), options.AkAttributes, TpmAlgId.Ecdsa, options.AkHash);
        _safe = safe;
        _clockAtStart = state.SavedClock;
        _startTimestamp = time.GetTimestamp();
    }

    public IReadOnlyList<TpmAlgId> Banks => _options.PcrBanks;

    public TpmPublic Ek { get; }

    public TpmPublic Ak { get; }

    public X509Certificate2 EkCertificate { get; }

    public IReadOnlyList<byte[]> EkIntermediates => _state.EkIntermediates.Select(Convert.FromBase64String).ToList();

    public uint ResetCount => _state.ResetCount;

    public uint RestartCount => _state.RestartCount;

    private static TpmObjectAttributes EkAttributes =>
        TpmObjectAttributes.FixedTpm | TpmObjectAttributes.FixedParent | TpmObjectAttributes.SensitiveDataOrigin
        | TpmObjectAttributes.AdminWithPolicy | TpmObjectAttributes.Restricted | TpmObjectAttributes.Decrypt;

    /// <summary>
    /// Starts a software TPM. With a state directory that holds a previous state, the keys are loaded and
    /// the start counts as a reset (a boot); <c>safe</c> is 1 only if the previous run shut down in order.
    /// </summary>
    public static SoftwareTpm Start(SoftwareTpmOptions options, SoftwareManufacturer? manufacturer, TimeProvider time)
    {
        options.Validate();
        SoftwareTpmState? state = options.StateDirectory is null ? null : SoftwareTpmState.Load(options.StateDirectory);
        SoftwareTpm tpm;
        if (state is null)
        {
            if (manufacturer is null)
            {
                throw new ArgumentException("a manufacturer is needed to certify a new EK", nameof(manufacturer));
            }

            AsymmetricAlgorithm ek = options.EkType == TpmAlgId.Rsa ? RSA.Create(2048) : ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            AsymmetricAlgorithm ak = options.AkType == TpmAlgId.Rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
            DateTimeOffset now = time.GetUtcNow();
            X509Certificate2 cert = manufacturer.IssueEkCertificate(ek, now.AddMinutes(-1), now + options.EkCertificateValidity);
            state = new SoftwareTpmState
            {
                EkType = options.EkType.ToString(), EkPkcs8 = Convert.ToBase64String(ExportPkcs8(ek)),
                EkCertificate = Convert.ToBase64String(cert.RawData),
                EkIntermediates = [Convert.ToBase64String(manufacturer.Intermediate.RawData)],
                AkType = options.AkType.ToString(), AkPkcs8 = Convert.ToBase64String(ExportPkcs8(ak)),
                Orderly = false,
            };
            tpm = new SoftwareTpm(options, time, state, ek, ak, cert, safe: true);
        }
        else
        {
            AsymmetricAlgorithm ek = ImportPkcs8(state.EkType, Convert.FromBase64String(state.EkPkcs8), forSigning: false);
            AsymmetricAlgorithm ak = ImportPkcs8(state.AkType, Convert.FromBase64String(state.AkPkcs8), forSigning: true);
            X509Certificate2 cert = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(state.EkCertificate));
            bool safe = state.Orderly;
            state.ResetCount = checked(state.ResetCount + 1);
            state.RestartCount = 0;
            state.Orderly = false;
            tpm = new SoftwareTpm(options with { EkType = Enum.Parse<TpmAlgId>(state.EkType), AkType = Enum.Parse<TpmAlgId>(state.AkType) }, time, state, ek, ak, cert, safe);
        }

        if (options.StateDirectory is not null)
        {
            state.Save(options.StateDirectory);
        }

        return tpm;
    }

    /// <summary>TPM2_Shutdown(CLEAR): saves the clock; the next start reports <c>safe</c> = 1.</summary>
    public void Shutdown()
    {
        lock (_lock)
        {
            _state.SavedClock = CurrentClock();
            _state.Orderly = true;
            if (_options.StateDirectory is not null)
            {
                _state.Save(_options.StateDirectory);
            }
        }
    }

    /// <summary>
    /// A boot of the in-memory TPM: reset count up, PCRs and log cleared. After an unclean shutdown the clock
    /// resumes from its last saved value (it may go back) and <c>safe</c> is 0.
    /// </summary>
    public void Reboot(bool orderly)
    {
        lock (_lock)
        {
            if (orderly)
            {
                _state.SavedClock = CurrentClock();
            }

            _state.ResetCount = checked(_state.ResetCount + 1);
            _state.RestartCount = 0;
            _safe = orderly;
            _clockAtStart = _state.SavedClock;
            _clockAdjustMs = 0;
            _startTimestamp = _time.GetTimestamp();
            _pcrs.Reset();
            _log.Clear();
        }
    }

    /// <summary>A resume within one boot (TPM2_Startup(STATE)): restart count up, PCRs kept.</summary>
    public void Restart()
    {
        lock (_lock)
        {
            _state.RestartCount = checked(_state.RestartCount + 1);
        }
    }

    /// <summary>Test hook modelling a faulty or hostile TPM: moves the clock without a reset.</summary>
    internal void AdjustClock(long milliseconds)
    {
        lock (_lock)
        {
            _clockAdjustMs += milliseconds;
        }
    }

    /// <summary>Test hook modelling a faulty or hostile TPM: sets the counters directly.</summary>
    internal void SetCounters(uint resetCount, uint restartCount, bool safe)
    {
        lock (_lock)
        {
            _state.ResetCount = resetCount;
            _state.RestartCount = restartCount;
            _safe = safe;
        }
    }

    public ValueTask<AttesterIdentity> GetIdentityAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new AttesterIdentity(Ek.ToBytes(), EkCertificate.RawData, EkIntermediates, Ak.ToBytes()));

    public ValueTask<byte[]> ActivateCredentialAsync(CredentialChallenge challenge, CancellationToken cancellationToken = default)
    {
        byte[] secret = CredentialProtector.ActivateCredential(Ek, _ekPrivate, Ak.Name, challenge)
            ?? throw new CryptographicException("TPM_RC_INTEGRITY: the credential was not made for this EK and AK");
        return ValueTask.FromResult(secret);
    }

    public ValueTask MeasureAsync(int pcr, uint eventType, ReadOnlyMemory<byte> content, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var ev = MeasurementEvent.Measure(pcr, eventType, content.Span, data.ToArray(), _options.PcrBanks);
            foreach (KeyValuePair<TpmAlgId, byte[]> d in ev.Digests)
            {
                _pcrs.Extend(d.Key, pcr, d.Value);
            }

            _log.Add(ev);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<QuoteEvidence> QuoteAsync(ReadOnlyMemory<byte> nonce, PcrSelection selection, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            (byte[] attest, byte[] signature) = Quote(nonce.Span, selection);
            byte[] pcrs = Tpm2ToolsPcrFile.Write(_pcrs.Read(selection));
            byte[] log = SimpleEventLog.Write(new EventLog([.. _log]));
            return ValueTask.FromResult(new QuoteEvidence(attest, signature, Ak.ToBytes(), pcrs, log));
        }
    }

    /// <summary>TPM2_Quote: the TPMS_ATTEST bytes and the TPMT_SIGNATURE bytes over them.</summary>
    public (byte[] Attest, byte[] Signature) Quote(ReadOnlySpan<byte> nonce, PcrSelection selection)
    {
        if (nonce.Length > TpmsAttest.MaxExtraDataSize)
        {
            throw new ArgumentException($"qualifying data is limited to {TpmsAttest.MaxExtraDataSize} bytes", nameof(nonce));
        }

        lock (_lock)
        {
            TpmAlgId hash = _options.AkHash;
            PcrValues values = _pcrs.Read(selection);
            var attest = new TpmsAttest(
                TpmsAttest.TpmGenerated, TpmsAttest.StAttestQuote, Ak.Name, nonce.ToArray(),
                new TpmsClockInfo(CurrentClock(), _state.ResetCount, _state.RestartCount, _safe), FirmwareVersion,
                selection, values.ComputeDigest(hash));
            byte[] bytes = attest.ToBytes();
            byte[] digest = TpmHash.Hash(hash, bytes);
            TpmtSignature signature;
            if (_akPrivate is ECDsa ec)
            {
                byte[] rs = ec.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                signature = TpmtSignature.Ecdsa(hash, rs[..(rs.Length / 2)], rs[(rs.Length / 2)..]);
            }
            else
            {
                signature = TpmtSignature.RsaSsa(hash, ((RSA)_akPrivate).SignHash(digest, TpmHash.Name(hash), RSASignaturePadding.Pkcs1));
            }

            return (bytes, signature.ToBytes());
        }
    }

    /// <summary>Signs arbitrary bytes with the AK, as a restricted key never would: for forgery tests only.</summary>
    internal byte[] SignArbitrary(ReadOnlySpan<byte> message)
    {
        byte[] digest = TpmHash.Hash(_options.AkHash, message);
        if (_akPrivate is ECDsa ec)
        {
            byte[] rs = ec.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return TpmtSignature.Ecdsa(_options.AkHash, rs[..(rs.Length / 2)], rs[(rs.Length / 2)..]).ToBytes();
        }

        return TpmtSignature.RsaSsa(_options.AkHash, ((RSA)_akPrivate).SignHash(digest, TpmHash.Name(_options.AkHash), RSASignaturePadding.Pkcs1)).ToBytes();
    }

    public ImmutableArray<MeasurementEvent> EventLogSnapshot()
    {
        lock (_lock)
        {
            return [.. _log];
        }
    }

    public ValueTask DisposeAsync()
    {
        _ekPrivate.Dispose();
        _akPrivate.Dispose();
        return ValueTask.CompletedTask;
    }

    private ulong CurrentClock()
    {
        long elapsed = (long)_time.GetElapsedTime(_startTimestamp).TotalMilliseconds + _clockAdjustMs;
        long clock = (long)_clockAtStart + elapsed;
        return (ulong)Math.Max(0, clock);
    }

    private static byte[] ExportPkcs8(AsymmetricAlgorithm key) => key.ExportPkcs8PrivateKey();

    private static AsymmetricAlgorithm ImportPkcs8(string type, byte[] pkcs8, bool forSigning)
    {
        if (type == nameof(TpmAlgId.Rsa))
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return rsa;
        }

        if (forSigning)
        {
            var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(pkcs8, out _);
            return ec;
        }

        var dh = ECDiffieHellman.Create();
        dh.ImportPkcs8PrivateKey(pkcs8, out _);
        return dh;
    }
}
