using System.Diagnostics;
using Grey.Attestation.Integration.Tests.Swtpm;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Integration.Tests.Commands;

/// <summary>
/// The "done means" of issue 4: genuine swtpm quotes (files written by tpm2_quote and tpm2_createak, ECC and
/// RSA attestation keys) verify through <c>greyctl attest verify</c> run as a process, and each tampered
/// variant is rejected with its reason; <c>greyctl attest quote --tpm swtpm:HOST:PORT</c> makes files that verify.
/// </summary>
public sealed class GreyctlAttestSwtpmTests(SwtpmFixture tpm) : IClassFixture<SwtpmFixture>
{
    /// <summary>The longest one greyctl run may take on a busy machine.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("ecc")]
    [InlineData("rsa")]
    public async Task Verify_GenuineTpm2QuoteFiles_ExitZero(string ak)
    {
        (string dir, string nonce) = await QuoteAsync(ak);
        (int rc, string output) = await GreyctlAsync(VerifyArgs(dir, nonce));
        Assert.True(rc == 0, output);
        Assert.StartsWith("accepted", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PemAk_ExitZero()
    {
        (string dir, string nonce) = await QuoteAsync("ecc");
        await tpm.Tpm2Async("tpm2_readpublic", ["-c", "0x81010002", "-f", "pem", "-o", Path.Combine(dir, "ak.pem")], dir);
        string[] args = VerifyArgs(dir, nonce);
        args[Array.IndexOf(args, "--ak") + 1] = Path.Combine(dir, "ak.pem");
        (int rc, string output) = await GreyctlAsync(args);
        Assert.True(rc == 0, output);
    }

    [Theory]
    [InlineData("quote.msg", -1, "signature-invalid")]
    [InlineData("quote.sig", -1, "signature-invalid")]
    [InlineData("quote.pcrs", 132 + 4 + 4 + 2, "pcr-digest-mismatch")]
    public async Task Verify_ByteFlipped_ExitOneWithReason(string file, int offset, string reason)
    {
        (string dir, string nonce) = await QuoteAsync("ecc");
        string path = Path.Combine(dir, file);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 1;
        await File.WriteAllBytesAsync(path, bytes);
        (int rc, string output) = await GreyctlAsync(VerifyArgs(dir, nonce));
        Assert.True(rc == 1, output);
        Assert.Contains(reason, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OtherNonce_ExitOneNonceMismatch()
    {
        (string dir, _) = await QuoteAsync("rsa");
        (int rc, string output) = await GreyctlAsync(VerifyArgs(dir, "ffeeddccbbaa99887766554433221100"));
        Assert.True(rc == 1, output);
        Assert.Contains("nonce-mismatch", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TruncatedQuote_ExitTwoNamingQuote()
    {
        (string dir, string nonce) = await QuoteAsync("ecc");
        string path = Path.Combine(dir, "quote.msg");
        byte[] bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..^4]);
        (int rc, string output) = await GreyctlAsync(VerifyArgs(dir, nonce));
        Assert.True(rc == 2, output);
        Assert.Contains("malformed quote", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quote_SwtpmTarget_FilesVerify()
    {
        string dir = Directory.CreateTempSubdirectory("grey-greyctl-quote-").FullName;
        try
        {
            const string nonce = "00112233445566778899aabbccddeeff";
            (int rc, string output) = await GreyctlAsync(["attest", "quote", "--nonce", nonce, "--out", dir, "--tpm", tpm.Target, "--pcr-list", "sha256:0,1,2,3,4,5,6,7,8,9,16"]);
            Assert.True(rc == 0, output);
            string[] args = [.. VerifyArgs(dir, nonce), "--eventlog", Path.Combine(dir, "eventlog.bin")];
            (rc, output) = await GreyctlAsync(args);
            Assert.True(rc == 0, output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A quote by the fixture's persisted AK, through tpm2_quote, into a fresh directory.</summary>
    private async Task<(string Dir, string Nonce)> QuoteAsync(string ak)
    {
        string nonce = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        var attester = ak == "ecc" ? tpm.EccAk : tpm.RsaAk;
        await attester.QuoteAsync(Convert.FromHexString(nonce), PcrSelection.Of(TpmAlgId.Sha256, 0, 1, 2, 16));
        string dir = Path.Combine(tpm.Directory, $"quote-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        foreach (string f in new[] { "quote.msg", "quote.sig", "quote.pcrs", "ak.pub" })
        {
            File.Copy(Path.Combine(attester.WorkDirectory, f), Path.Combine(dir, f));
        }

        return (dir, nonce);
    }

    private static string[] VerifyArgs(string dir, string nonce) =>
    [
        "attest", "verify", "--quote", Path.Combine(dir, "quote.msg"), "--signature", Path.Combine(dir, "quote.sig"),
        "--ak", Path.Combine(dir, "ak.pub"), "--pcrs", Path.Combine(dir, "quote.pcrs"), "--nonce", nonce,
    ];

    private static async Task<(int ExitCode, string Output)> GreyctlAsync(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "greyctl.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(RunTimeout);
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout + await stderr);
    }
}
