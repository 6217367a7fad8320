using Grey.Attestation.Attesters;
using Grey.Attestation.Enrollment;
using Grey.Attestation.Randomness;
using Grey.Attestation.Tpm;
using Microsoft.Extensions.Time.Testing;

namespace Grey.Attestation.Tests.Enrollment;

/// <summary>
/// A region enrollment service and software-TPM edge nodes talking to it in process through the real
/// protocol bytes: a client's request delegate calls the service's handlers (optionally through a
/// <see cref="Tamper"/> hook) and applies nothing else. Every directory is temporary and removed at the end.
/// </summary>
internal sealed class EnrollmentWorld : IDisposable
{
    public const string Region = "eu-west";
    public const string Site = "plant-7";

    private readonly List<string> _directories = [];
    private readonly List<IDisposable> _disposables = [];
    private readonly List<SoftwareTpm> _tpms = [];

    public EnrollmentWorld(Func<EnrollmentServiceOptions, EnrollmentServiceOptions>? configure = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
        RegionDirectory = NewDirectory();
        Configure = configure ?? (o => o);
        Service = OpenService();
    }

    public FakeTimeProvider Time { get; }

    public string RegionDirectory { get; }

    public Func<EnrollmentServiceOptions, EnrollmentServiceOptions> Configure { get; }

    public EnrollmentService Service { get; private set; }

    /// <summary>Rewrites a request (kind, bytes) before the service sees it, or a reply before the client does.</summary>
    public Func<EnrollmentRequestKind, byte[], byte[]>? TamperRequest { get; set; }

    /// <summary>Rewrites a reply before the client sees it.</summary>
    public Func<EnrollmentRequestKind, byte[], byte[]>? Tamper { get; set; }

    /// <summary>Every handled result, in order (what a region daemon would apply to its registry).</summary>
    public List<EnrollmentHandled> Handled { get; } = [];

    public EnrollmentServiceOptions DevelopmentOptions(string directory) =>
        Configure(new EnrollmentServiceOptions(Region, directory) { Development = true });

    public EnrollmentService OpenService() => EnrollmentService.Open(DevelopmentOptions(RegionDirectory), Time, new SeededRandomSource(7));

    /// <summary>Disposes the service and opens a new one over the same state directory (a region restart).</summary>
    public void RestartService()
    {
        Service.Dispose();
        Service = OpenService();
    }

    /// <summary>Opens the service again after a test disposed it itself (to open the directory with other options).</summary>
    public void RestartServiceAfterExternalDispose() => Service = OpenService();

    public string NewDirectory()
    {
        string dir = Directory.CreateTempSubdirectory("grey-enroll-").FullName;
        _directories.Add(dir);
        return dir;
    }

    /// <summary>A development software TPM with its state in <paramref name="dataDirectory"/>/tpm (a boot per start).</summary>
    public SoftwareTpm StartTpm(string dataDirectory)
    {
        SoftwareTpm tpm = DevelopmentAuthorities.StartSoftwareTpm(
            new SoftwareTpmOptions(EkType: TpmAlgId.Ecc, Banks: [TpmAlgId.Sha256], StateDirectory: Path.Combine(dataDirectory, "tpm")), Time);
        _tpms.Add(tpm);
        return tpm;
    }

    public EnrollmentRequestSender Sender(string site = Site) => async (kind, payload, timeout, ct) =>
    {
        Assert.True(timeout > TimeSpan.Zero);
        byte[] request = payload.ToArray();
        if (TamperRequest is not null)
        {
            request = TamperRequest(kind, request);
        }

        EnrollmentHandled handled = kind == EnrollmentRequestKind.Enroll
            ? await Service.HandleEnrollAsync(site, request, ct)
            : await Service.HandleAttestAsync(site, request, ct);
        Handled.Add(handled);
        byte[] reply = handled.Reply;
        return EnrollmentReply.Of(Tamper is null ? reply : Tamper(kind, reply));
    };

    public EnrollmentClient OpenClient(IAttester tpm, string dataDirectory, string node = "node-1", string site = Site,
        Func<EnrollmentClientOptions, EnrollmentClientOptions>? configure = null, EnrollmentRequestSender? sender = null)
    {
        EnrollmentClientOptions options = new(node, site, dataDirectory);
        var client = EnrollmentClient.Open(tpm, configure is null ? options : configure(options), Time, sender ?? Sender(site));
        _disposables.Add(client);
        return client;
    }

    public void Dispose()
    {
        foreach (IDisposable d in _disposables)
        {
            d.Dispose();
        }

        foreach (SoftwareTpm t in _tpms)
        {
            t.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Service.Dispose();
        foreach (string dir in _directories)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
        }
    }
}
