using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Attesters;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Integration.Tests.Swtpm;

/// <summary>
/// One swtpm per test class: a temporary state directory and local CA, <c>swtpm_setup --tpm2
/// --create-ek-cert --create-platform-cert</c> (banks sha256 and sha384), <c>swtpm socket</c> on two free
/// loopback ports, and two attesters driving it through tpm2-tools: an ECC AK under the RSA EK, and an RSA
/// AK under the ECC (P-384) EK, both persisted so that they survive power cycles. Stopped at the end.
/// </summary>
public sealed class SwtpmFixture : IAsyncLifetime
{
    /// <summary>How long swtpm may take to accept connections after it starts.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private Process? _swtpm;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("grey-swtpm-").FullName;

    public int ServerPort { get; private set; }

    public int ControlPort { get; private set; }

    public string Tcti => $"swtpm:host=127.0.0.1,port={ServerPort}";

    /// <summary>The target syntax of <c>greyctl attest quote --tpm</c>.</summary>
    public string Target => $"swtpm:127.0.0.1:{ServerPort}";

    public X509Certificate2 Root { get; private set; } = null!;

    public X509Certificate2 Issuer { get; private set; } = null!;

    /// <summary>ECC P-256 AK (ECDSA-SHA256) under the RSA EK.</summary>
    public Tpm2ToolsAttester EccAk { get; private set; } = null!;

    /// <summary>RSA-2048 AK (RSASSA-SHA256) under the ECC P-384 EK.</summary>
    public Tpm2ToolsAttester RsaAk { get; private set; } = null!;

    public static IReadOnlyList<TpmAlgId> Banks { get; } = [TpmAlgId.Sha256, TpmAlgId.Sha384];

    public async Task InitializeAsync()
    {
        string state = Path.Combine(Directory, "state");
        string ca = Path.Combine(Directory, "ca");
        System.IO.Directory.CreateDirectory(state);
        System.IO.Directory.CreateDirectory(ca);
        await File.WriteAllTextAsync(Path.Combine(Directory, "swtpm-localca.conf"),
            $"statedir = {ca}\nsigningkey = {ca}/signkey.pem\nissuercert = {ca}/issuercert.pem\ncertserial = {ca}/certserial\n");
        await File.WriteAllTextAsync(Path.Combine(Directory, "swtpm_setup.conf"),
            $"create_certs_tool= /usr/bin/swtpm_localca\ncreate_certs_tool_config = {Directory}/swtpm-localca.conf\ncreate_certs_tool_options = /etc/swtpm-localca.options\nactive_pcr_banks = sha256,sha384\n");
        await RunAsync("swtpm_setup", ["--tpm2", "--tpmstate", state, "--create-ek-cert", "--create-platform-cert", "--config", Path.Combine(Directory, "swtpm_setup.conf"), "--overwrite"]);
        Root = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(ca, "swtpm-localca-rootca-cert.pem")));
        Issuer = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(ca, "issuercert.pem")));

        // The swtpm TCTI of tpm2-tss always talks to the control channel on the server port + 1.
        (ServerPort, ControlPort) = FreePortPair();
        var psi = new ProcessStartInfo("swtpm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
        {
            "socket", "--tpm2", "--tpmstate", $"dir={state}",
            "--server", $"type=tcp,port={ServerPort},bindaddr=127.0.0.1",
            "--ctrl", $"type=tcp,port={ControlPort},bindaddr=127.0.0.1",
            "--flags", "not-need-init,startup-clear",
        })
        {
            psi.ArgumentList.Add(a);
        }

        _swtpm = Process.Start(psi) ?? throw new InvalidOperationException("swtpm did not start");
        await WaitForPortAsync(ServerPort);

        EccAk = await Tpm2ToolsAttester.CreateAsync(Tcti, TpmAlgId.Ecc, TpmAlgId.Rsa, Banks, persistAkAt: "0x81010002");
        RsaAk = await Tpm2ToolsAttester.CreateAsync(Tcti, TpmAlgId.Rsa, TpmAlgId.Ecc, Banks, persistAkAt: "0x81010003");
    }

    /// <summary>A TPM reset (a boot): TPM2_Shutdown(CLEAR) first when orderly, then _TPM_Init and TPM2_Startup(CLEAR).</summary>
    public async Task PowerCycleAsync(bool orderly)
    {
        if (orderly)
        {
            await Tpm2Async("tpm2_shutdown", ["-c"]);
        }

        await RunAsync("swtpm_ioctl", ["--tcp", $"127.0.0.1:{ControlPort}", "-i"]);
        await Tpm2Async("tpm2_startup", ["-c"]);
    }

    /// <summary>A resume: TPM2_Shutdown(STATE), _TPM_Init, TPM2_Startup(STATE): restart count up, PCRs kept.</summary>
    public async Task ResumeAsync()
    {
        await Tpm2Async("tpm2_shutdown", []);
        await RunAsync("swtpm_ioctl", ["--tcp", $"127.0.0.1:{ControlPort}", "-i"]);
        await Tpm2Async("tpm2_startup", []);
    }

    public Task<string> Tpm2Async(string tool, IReadOnlyList<string> args, string? workDirectory = null) =>
        ProcessRunner.RunAsync(tool, args, workDirectory ?? Directory, new Dictionary<string, string> { ["TPM2TOOLS_TCTI"] = Tcti }, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (EccAk is not null)
        {
            await EccAk.DisposeAsync();
        }

        if (RsaAk is not null)
        {
            await RsaAk.DisposeAsync();
        }

        if (_swtpm is { HasExited: false })
        {
            _swtpm.Kill(entireProcessTree: true);
            await _swtpm.WaitForExitAsync();
        }

        _swtpm?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean: a busy temp file must not fail the test run.
        }
    }

    private Task<string> RunAsync(string tool, IReadOnlyList<string> args) =>
        ProcessRunner.RunAsync(tool, args, Directory, new Dictionary<string, string>(), CancellationToken.None);

    private static (int Server, int Control) FreePortPair()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            using var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            int port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= IPEndPoint.MaxPort)
            {
                continue;
            }

            try
            {
                using var second = new TcpListener(IPAddress.Loopback, port + 1);
                second.Start();
                return (port, port + 1);
            }
            catch (SocketException)
            {
                // Taken: try another pair.
            }
        }

        throw new InvalidOperationException("no two adjacent free loopback ports in 100 attempts");
    }

    private async Task WaitForPortAsync(int port)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < StartTimeout && _swtpm is { HasExited: false })
            {
                await Task.Delay(50);
            }
        }
    }
}
