using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Grey.Attestation.Attesters;
using Grey.Attestation.Events;
using Grey.Attestation.Randomness;
using Grey.Attestation.Registration;
using Grey.Attestation.Results;
using Grey.Attestation.Tpm;
using Grey.Attestation.Verification;

namespace Grey.Benchmarks.Attestation;

/// <summary>
/// Quote verifications per second on one thread (issue 4 target: at least 5,000 on one core).
/// <c>Stateless*</c>: <c>greyctl attest verify</c>'s path on a genuine swtpm quote (parse, AK import, signature,
/// nonce, PCR digest). <c>Stateful_FullPolicy</c>: the region verifier on enrolled software-TPM nodes with
/// the full policy (node and AK lookup, EK dates, signature, single-use nonce, exact selection of 5 PCRs in
/// two banks, event-log replay with binary and event rules, clock history, key binding, signed result).
/// Each invocation verifies a batch; besides BenchmarkDotNet's wall-clock figures, the process CPU time of
/// the measured batches is printed at the end ("cpu:" lines), because on a shared, overloaded machine the
/// wall clock mostly measures waiting for a core.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class QuoteVerificationBenchmarks
{
    /// <summary>Nodes verified per stateful invocation; each has one fresh nonce and quote per iteration.</summary>
    public const int Nodes = 500;

    /// <summary>Verifications per stateless invocation.</summary>
    public const int Batch = 500;

    private static readonly Dictionary<string, (TimeSpan Cpu, TimeSpan Wall, long Ops)> Measured = [];
    private TimeSpan _cpuAtStart;
    private long _wallAtStart;

    private static readonly PcrSelection Selection = new([
        new PcrBankSelection(TpmAlgId.Sha256, [0, 10, 16]),
        new PcrBankSelection(TpmAlgId.Sha384, [10, 16]),
    ]);

    private QuoteEvidence _ecc = null!;
    private byte[] _eccNonce = [];
    private QuoteEvidence _rsa = null!;
    private byte[] _rsaNonce = [];

    private ManualTime _time = null!;
    private SoftwareManufacturer _manufacturer = null!;
    private AttestationVerifier _verifier = null!;
    private AttestationVerifier _unsignedVerifier = null!;
    private ECDsa _resultKey = null!;
    private readonly List<(string Id, SoftwareTpm Tpm, X509Certificate2 Cert)> _nodes = [];
    private QuoteEvidence[] _quotes = [];

    [GlobalSetup]
    public void Setup()
    {
        (_ecc, _eccNonce) = AttestationBenchData.SwtpmVector("swtpm-ecc");
        (_rsa, _rsaNonce) = AttestationBenchData.SwtpmVector("swtpm-rsa");

        _time = new ManualTime(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        _manufacturer = SoftwareManufacturer.Create(_time);
        var registrar = new Registrar(new RegistrarOptions([_manufacturer.Root], MaxNodes: Nodes * 2), _time, CryptoRandomSource.Instance);
        byte[] binary = "grey-edge"u8.ToArray();
        var policy = new AttestationPolicy
        {
            RequiredSelection = Selection,
            RequireEventLog = true,
            KeyBindingPcr = 16,
            AllowedBinaryHashes = [Convert.ToHexStringLower(SHA256.HashData(binary))],
            EventRules = [new EventRule(EventTypes.GreyConfig, "edge.conf", [SHA256.HashData("conf"u8)])],
        };
        _resultKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _verifier = new AttestationVerifier(registrar, policy, _time, CryptoRandomSource.Instance, signer: new AttestationResultSigner("bench", _resultKey, _time));
        _unsignedVerifier = new AttestationVerifier(registrar, policy, _time, CryptoRandomSource.Instance);
        for (int i = 0; i < Nodes; i++)
        {
            string id = $"node-{i}";
            SoftwareTpm tpm = SoftwareTpm.Start(new SoftwareTpmOptions(EkType: TpmAlgId.Ecc), _manufacturer, _time);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest($"CN={id}", key, HashAlgorithmName.SHA256);
            X509Certificate2 cert = req.CreateSelfSigned(_time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddYears(1));
            tpm.MeasureFileAsync(10, EventTypes.GreyBinary, "grey-edge", binary).AsTask().GetAwaiter().GetResult();
            tpm.MeasureFileAsync(10, EventTypes.GreyConfig, "edge.conf", "conf"u8.ToArray()).AsTask().GetAwaiter().GetResult();
            tpm.BindDeltaSigningKeyAsync(cert).AsTask().GetAwaiter().GetResult();
            RegistrationResult started = registrar.StartEnrollment(tpm.GetIdentityAsync().AsTask().GetAwaiter().GetResult().ToEnrollmentRequest(id));
            registrar.CompleteEnrollment(id, tpm.ActivateCredentialAsync(started.Challenge!).AsTask().GetAwaiter().GetResult());
            _nodes.Add((id, tpm, cert));
        }

        _quotes = new QuoteEvidence[Nodes];
        if (!QuoteVerifier.Verify(_ecc, _eccNonce).Accepted || !QuoteVerifier.Verify(_rsa, _rsaNonce).Accepted)
        {
            throw new InvalidOperationException("the recorded swtpm quotes no longer verify");
        }
    }

    [IterationSetup(Targets = [nameof(Stateless_SwtpmEcdsaP256), nameof(Stateless_SwtpmRsaSsa2048)])]
    public void StartClock()
    {
        _cpuAtStart = ThreadCpu.Now();
        _wallAtStart = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    [IterationCleanup(Target = nameof(Stateless_SwtpmEcdsaP256))]
    public void StopEcdsa() => Record(nameof(Stateless_SwtpmEcdsaP256), Batch);

    [IterationCleanup(Target = nameof(Stateless_SwtpmRsaSsa2048))]
    public void StopRsa() => Record(nameof(Stateless_SwtpmRsaSsa2048), Batch);

    [IterationCleanup(Target = nameof(Stateful_FullPolicy))]
    public void StopStateful() => Record(nameof(Stateful_FullPolicy), Nodes);

    [IterationCleanup(Target = nameof(Stateful_FullPolicy_NoResultSigning))]
    public void StopStatefulUnsigned() => Record(nameof(Stateful_FullPolicy_NoResultSigning), Nodes);

    [IterationSetup(Target = nameof(Stateful_FullPolicy))]
    public void MakeQuotes() => MakeQuotesFor(_verifier);

    [IterationSetup(Target = nameof(Stateful_FullPolicy_NoResultSigning))]
    public void MakeQuotesUnsigned() => MakeQuotesFor(_unsignedVerifier);

    private void MakeQuotesFor(AttestationVerifier verifier)
    {
        _time.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < _nodes.Count; i++)
        {
            (string id, SoftwareTpm tpm, X509Certificate2 cert) = _nodes[i];
            byte[] nonce = verifier.IssueNonce(id);
            _quotes[i] = tpm.QuoteAsync(nonce, Selection).AsTask().GetAwaiter().GetResult() with { DeltaSigningCertificate = cert.RawData };
        }

        StartClock();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Stateless_SwtpmEcdsaP256() => VerifyBatch(_ecc, _eccNonce);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Stateless_SwtpmRsaSsa2048() => VerifyBatch(_rsa, _rsaNonce);

    [Benchmark(OperationsPerInvoke = Nodes)]
    public int Stateful_FullPolicy() => VerifyNodes(_verifier);

    /// <summary>The same checks without issuing a signed attestation result (one ECDSA signature less).</summary>
    [Benchmark(OperationsPerInvoke = Nodes)]
    public int Stateful_FullPolicy_NoResultSigning() => VerifyNodes(_unsignedVerifier);

    private int VerifyNodes(AttestationVerifier verifier)
    {
        int accepted = 0;
        for (int i = 0; i < _quotes.Length; i++)
        {
            if (verifier.Verify(_nodes[i].Id, _quotes[i]).Accepted)
            {
                accepted++;
            }
        }

        if (accepted != _quotes.Length)
        {
            throw new InvalidOperationException($"only {accepted} of {_quotes.Length} quotes were accepted");
        }

        return accepted;
    }

    private static int VerifyBatch(QuoteEvidence evidence, byte[] nonce)
    {
        int accepted = 0;
        for (int i = 0; i < Batch; i++)
        {
            accepted += QuoteVerifier.Verify(evidence, nonce).Accepted ? 1 : 0;
        }

        return accepted == Batch ? accepted : throw new InvalidOperationException("a genuine quote was refused");
    }

    private void Record(string name, long ops)
    {
        TimeSpan cpu = ThreadCpu.Now() - _cpuAtStart;
        TimeSpan wall = System.Diagnostics.Stopwatch.GetElapsedTime(_wallAtStart);
        (TimeSpan c, TimeSpan w, long o) = Measured.GetValueOrDefault(name);
        Measured[name] = (c + cpu, w + wall, o + ops);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // CPU time of the benchmark thread (CLOCK_THREAD_CPUTIME_ID on Linux): what one core spends, without the
        // time spent waiting for a core on a loaded machine. Background GC and JIT threads are not counted.
        foreach ((string name, (TimeSpan cpu, TimeSpan wall, long ops)) in Measured)
        {
            Console.WriteLine($"cpu: {name}: {ops} verifications, {cpu.TotalSeconds:F3} s CPU, {wall.TotalSeconds:F3} s wall => "
                + $"{ops / cpu.TotalSeconds:F0} per CPU-second, {ops / wall.TotalSeconds:F0} per wall-second");
        }

        Measured.Clear();
        foreach ((_, SoftwareTpm tpm, X509Certificate2 cert) in _nodes)
        {
            tpm.DisposeAsync().AsTask().GetAwaiter().GetResult();
            cert.Dispose();
        }

        _manufacturer.Dispose();
        _resultKey.Dispose();
    }
}

/// <summary>CPU time consumed by the calling thread (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID); elsewhere process time).</summary>
internal static class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    public static TimeSpan Now()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out Timespec ts) == 0)
        {
            return TimeSpan.FromTicks((ts.Seconds * TimeSpan.TicksPerSecond) + (ts.Nanoseconds / 100));
        }

        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in this project; one call per iteration does not care.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec ts);
#pragma warning restore SYSLIB1054

    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
