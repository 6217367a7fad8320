using System.Collections.Immutable;
using System.Globalization;
using Grey.Attestation.Credentials;
using Grey.Attestation.Events;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Attestation.Attesters;

/// <summary>
/// A TPM 2.0 driven through tpm2-tools (5.x): swtpm over its socket TCTI, or a device through
/// <c>/dev/tpmrm0</c>. It uses the EK persisted at the TCG handle (0x81010001 RSA, 0x81010016 swtpm's ECC
/// P-384 EK) when present, else creates the default RSA EK; reads the EK certificate from its NV index;
/// creates a restricted AK under the EK; and flushes transient objects after each command so it also works
/// without a resource manager (swtpm). Commands are serialised.
/// </summary>
public sealed class Tpm2ToolsAttester : IAttester
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, string> _env;
    private readonly string _dir;
    private readonly bool _ownsDirectory;
    private readonly TpmAlgId _akType;
    private readonly List<MeasurementEvent> _log = [];
    private readonly string? _persistAkAt;
    private readonly TpmAlgId _akHash;
    private string _ek = "ek.ctx";
    private string _ak = "ak.ctx";
    private AttesterIdentity? _identity;

    private Tpm2ToolsAttester(string tcti, TpmAlgId akType, TpmAlgId ekType, IReadOnlyList<TpmAlgId> banks, string? workDirectory, string? persistAkAt, TpmAlgId akHash)
    {
        _akHash = akHash;
        _persistAkAt = persistAkAt;
        _env = new Dictionary<string, string> { ["TPM2TOOLS_TCTI"] = tcti };
        _akType = akType;
        EkType = ekType;
        Banks = banks;
        _ownsDirectory = workDirectory is null;
        _dir = workDirectory ?? Directory.CreateTempSubdirectory("grey-tpm2-").FullName;
    }

    /// <summary>RSA or ECC: which EK to use.</summary>
    public TpmAlgId EkType { get; }

    public IReadOnlyList<TpmAlgId> Banks { get; }

    /// <summary>The working directory with ek.pub, ak.pub, ak.ctx and the last quote files.</summary>
    public string WorkDirectory => _dir;

    /// <summary>The TCTI string for a target written <c>swtpm:HOST:PORT</c> or <c>device</c> (or device:PATH).</summary>
    public static bool TryParseTarget(string target, out string tcti, out string error)
    {
        tcti = string.Empty;
        error = string.Empty;
        if (target == "device")
        {
            tcti = "device:/dev/tpmrm0";
            return true;
        }

        if (target.StartsWith("device:", StringComparison.Ordinal))
        {
            tcti = target;
            return true;
        }

        string[] parts = target.Split(':');
        if (parts.Length == 3 && parts[0] == "swtpm" && parts[1].Length > 0
            && ushort.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) && port > 0)
        {
            tcti = $"swtpm:host={parts[1]},port={port}";
            return true;
        }

        error = $"'{target}' is not soft, swtpm:HOST:PORT or device";
        return false;
    }

    /// <summary>Connects, loads or creates the EK, reads its certificate and creates an AK.</summary>
    /// <param name="akHash">The AK's name and signing hash (SHA-256; tests use SHA-1 to model a downgrade).</param>
    /// <param name="persistAkAt">A persistent handle (e.g. 0x81010002) to keep the AK at, so that it survives
    /// a TPM reset (a reboot); null keeps it as a saved context, valid until the next reset.</param>
    public static async Task<Tpm2ToolsAttester> CreateAsync(
        string tcti, TpmAlgId akType = TpmAlgId.Ecc, TpmAlgId ekType = TpmAlgId.Rsa, IReadOnlyList<TpmAlgId>? banks = null,
        string? workDirectory = null, string? persistAkAt = null, TpmAlgId akHash = TpmAlgId.Sha256, CancellationToken cancellationToken = default)
    {
        var attester = new Tpm2ToolsAttester(tcti, akType, ekType, banks ?? [TpmAlgId.Sha256], workDirectory, persistAkAt, akHash);
        try
        {
            await attester.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return attester;
        }
        catch
        {
            await attester.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask<AttesterIdentity> GetIdentityAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_identity ?? throw new InvalidOperationException("not initialised"));

    public async ValueTask<byte[]> ActivateCredentialAsync(CredentialChallenge challenge, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(_dir, "cred.in"), Tpm2ToolsCredentialFile.Write(challenge), cancellationToken).ConfigureAwait(false);
            File.Delete(Path.Combine(_dir, "cred.out"));
            // The EK's policy (PolicySecret of the endorsement hierarchy) is computed with the EK's name hash:
            // SHA-256 for the low-range templates, SHA-384 for swtpm's P-384 EK.
            TpmAlgId sessionHash = TpmPublic.Parse(_identity!.EkPublic).NameAlg;
            await Tool("tpm2_startauthsession", ["--policy-session", "-S", "session.ctx", "-g", TpmHash.DisplayName(sessionHash)], cancellationToken).ConfigureAwait(false);
            try
            {
                await Tool("tpm2_policysecret", ["-S", "session.ctx", "-c", "e"], cancellationToken).ConfigureAwait(false);
                await SatisfyEkPolicyOrAsync(TpmPublic.Parse(_identity.EkPublic), cancellationToken).ConfigureAwait(false);
                await Tool("tpm2_activatecredential", ["-c", _ak, "-C", _ek, "-i", "cred.in", "-o", "cred.out", "-P", "session:session.ctx"], cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await Flush(cancellationToken, "session.ctx").ConfigureAwait(false);
            }

            return await File.ReadAllBytesAsync(Path.Combine(_dir, "cred.out"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask MeasureAsync(int pcr, uint eventType, ReadOnlyMemory<byte> content, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var ev = MeasurementEvent.Measure(pcr, eventType, content.Span, data.ToArray(), Banks);
        string spec = $"{pcr}:" + string.Join(",", ev.Digests.OrderBy(d => d.Key).Select(d => $"{TpmHash.DisplayName(d.Key)}={Convert.ToHexStringLower(d.Value)}"));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Tool("tpm2_pcrextend", [spec], cancellationToken).ConfigureAwait(false);
            _log.Add(ev);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<QuoteEvidence> QuoteAsync(ReadOnlyMemory<byte> nonce, PcrSelection selection, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (string f in new[] { "quote.msg", "quote.sig", "quote.pcrs" })
            {
                File.Delete(Path.Combine(_dir, f));
            }

            try
            {
                await Tool("tpm2_quote", [
                    "-c", _ak, "-l", selection.ToString(), "-q", Convert.ToHexStringLower(nonce.Span),
                    "-m", "quote.msg", "-s", "quote.sig", "-o", "quote.pcrs", "-g", TpmHash.DisplayName(_akHash)], cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await Flush(cancellationToken).ConfigureAwait(false);
            }

            byte[] log = SimpleEventLog.Write(new EventLog([.. _log]));
            return new QuoteEvidence(
                await File.ReadAllBytesAsync(Path.Combine(_dir, "quote.msg"), cancellationToken).ConfigureAwait(false),
                await File.ReadAllBytesAsync(Path.Combine(_dir, "quote.sig"), cancellationToken).ConfigureAwait(false),
                _identity!.AkPublic,
                await File.ReadAllBytesAsync(Path.Combine(_dir, "quote.pcrs"), cancellationToken).ConfigureAwait(false),
                log);
        }
        finally
        {
            _gate.Release();
        }
    }

    public ImmutableArray<MeasurementEvent> EventLogSnapshot() => [.. _log];

    /// <summary>
    /// Forgets the event log after the TPM was reset (a boot clears the PCRs the log describes). The node's
    /// start-up code calls it before measuring again.
    /// </summary>
    public void ClearEventLog() => _log.Clear();

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless; failing disposal would hide the real outcome.
            }
        }

        return ValueTask.CompletedTask;
    }

    private async Task InitializeAsync(CancellationToken ct)
    {
        (string handle, string nvIndex) = EkType == TpmAlgId.Rsa ? ("0x81010001", "0x01c00002") : ("0x81010016", "0x01c00016");
        try
        {
            await Tool("tpm2_readpublic", ["-c", handle, "-o", "ek.pub"], ct).ConfigureAwait(false);
            _ek = handle;
        }
        catch (TpmToolException)
        {
            // No persisted EK: create the default template EK (RSA 2048 or ECC P-256) as a transient object.
            await Tool("tpm2_createek", ["-c", "ek.ctx", "-G", EkType == TpmAlgId.Rsa ? "rsa" : "ecc", "-u", "ek.pub"], ct).ConfigureAwait(false);
            nvIndex = EkType == TpmAlgId.Rsa ? "0x01c00002" : "0x01c0000a";
            _ek = "ek.ctx";
        }

        await Tool("tpm2_nvread", [nvIndex, "-o", "ek.crt"], ct).ConfigureAwait(false);
        try
        {
            await Tool("tpm2_createak", [
                "-C", _ek, "-c", "ak.ctx", "-G", _akType == TpmAlgId.Rsa ? "rsa" : "ecc", "-g", TpmHash.DisplayName(_akHash),
                "-s", _akType == TpmAlgId.Rsa ? "rsassa" : "ecdsa", "-u", "ak.pub", "-r", "ak.priv", "-n", "ak.name"], ct).ConfigureAwait(false);
            if (_persistAkAt is not null)
            {
                try
                {
                    await Tool("tpm2_evictcontrol", ["-C", "o", "-c", _persistAkAt], ct).ConfigureAwait(false);
                }
                catch (TpmToolException)
                {
                    // Nothing persisted at that handle yet.
                }

                await Tool("tpm2_evictcontrol", ["-C", "o", "-c", "ak.ctx", _persistAkAt], ct).ConfigureAwait(false);
                _ak = _persistAkAt;
            }
        }
        finally
        {
            await Flush(ct).ConfigureAwait(false);
        }

        byte[] ekCert = Registration.Registrar.TrimDer(await File.ReadAllBytesAsync(Path.Combine(_dir, "ek.crt"), ct).ConfigureAwait(false));
        _identity = new AttesterIdentity(
            await File.ReadAllBytesAsync(Path.Combine(_dir, "ek.pub"), ct).ConfigureAwait(false), ekCert, [],
            await File.ReadAllBytesAsync(Path.Combine(_dir, "ak.pub"), ct).ConfigureAwait(false));
    }

    /// <summary>
    /// High-range EK templates (TCG EK Credential Profile 2.3+, used by swtpm for its P-384 EK) carry
    /// PolicyOR(PolicyA, PolicyC) instead of PolicyA (PolicySecret of the endorsement hierarchy). After
    /// PolicySecret the session holds PolicyA; PolicyOR then moves it to the EK's policy. Both branch digests
    /// are checked against the EK's authPolicy before use.
    /// </summary>
    private async Task SatisfyEkPolicyOrAsync(TpmPublic ek, CancellationToken ct)
    {
        TpmAlgId hash = ek.NameAlg;
        int size = TpmHash.DigestSize(hash);
        byte[] policyA = TpmHash.Hash(hash, TpmHash.Hash(hash, [.. new byte[size], 0x00, 0x00, 0x01, 0x51, 0x40, 0x00, 0x00, 0x0B]));
        if (ek.AuthPolicy.AsSpan().SequenceEqual(policyA))
        {
            return;
        }

        byte[]? policyC = hash switch
        {
            TpmAlgId.Sha384 => Convert.FromHexString("d6032ce61f2fb3c240eb3cf6a33237ef2b6a16f4293c22b455e261cffd217ad5b4947c2d73e63005eed2dc2b3593d165"),
            _ => null,
        };
        if (policyC is null || !TpmHash.Hash(hash, [.. new byte[size], 0x00, 0x00, 0x01, 0x71, .. policyA, .. policyC]).AsSpan().SequenceEqual(ek.AuthPolicy))
        {
            throw new TpmToolException($"the EK's policy {Convert.ToHexStringLower(ek.AuthPolicy)} is neither PolicySecret(endorsement) nor the TCG high-range PolicyOR");
        }

        await File.WriteAllBytesAsync(Path.Combine(_dir, "policyA.bin"), policyA, ct).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "policyC.bin"), policyC, ct).ConfigureAwait(false);
        await Tool("tpm2_policyor", ["-S", "session.ctx", "-l", $"{TpmHash.DisplayName(hash)}:policyA.bin,policyC.bin"], ct).ConfigureAwait(false);
    }

    private Task<string> Tool(string name, IReadOnlyList<string> args, CancellationToken ct) =>
        ProcessRunner.RunAsync(name, args, _dir, _env, ct);

    private async Task Flush(CancellationToken ct, string? context = null)
    {
        // Without a resource manager (swtpm's socket), objects a tool loaded stay loaded; flush them so the
        // TPM's few object slots never run out. With /dev/tpmrm0 this finds nothing to flush.
        if (context is not null)
        {
            try
            {
                await Tool("tpm2_flushcontext", [context], ct).ConfigureAwait(false);
            }
            catch (TpmToolException)
            {
                // Already flushed by the tool that used it.
            }
        }

        await Tool("tpm2_flushcontext", ["-t"], ct).ConfigureAwait(false);
        await Tool("tpm2_flushcontext", ["-l"], ct).ConfigureAwait(false);
    }
}
