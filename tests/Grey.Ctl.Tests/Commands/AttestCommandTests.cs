using System.Text.Json;

namespace Grey.Ctl.Tests.Commands;

/// <summary>
/// <c>greyctl attest</c> in process through Program.Run: the genuine swtpm vectors recorded in
/// tests/Grey.Attestation.Tests/testdata (tpm2-tools 5.4 files), tampered variants, malformed input, and a
/// software-TPM quote verified end to end.
/// </summary>
public sealed class AttestCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("greyctl-attest-").FullName;

    [Theory]
    [InlineData("swtpm-ecc")]
    [InlineData("swtpm-rsa")]
    public void Verify_RealSwtpmFiles_ExitZero(string vector)
    {
        (int rc, string stdout, string stderr) = Run(VerifyArgs(Vector(vector), Nonce(vector)));
        Assert.True(rc == 0, stdout + stderr);
        Assert.StartsWith("accepted", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_Json_OneObjectWithVerdict()
    {
        (int rc, string stdout, _) = Run([.. VerifyArgs(Vector("swtpm-ecc"), Nonce("swtpm-ecc")), "--json"]);
        Assert.Equal(0, rc);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("accepted", doc.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("accepted", doc.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public void Verify_FlippedSignatureByte_ExitOneSignatureInvalid()
    {
        string dir = CopyVector("swtpm-ecc");
        Flip(Path.Combine(dir, "quote.sig"), -1);
        (int rc, string stdout, _) = Run(VerifyArgs(dir, Nonce("swtpm-ecc")));
        Assert.Equal(1, rc);
        Assert.Contains("rejected: signature-invalid", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ChangedPcrValue_ExitOnePcrDigestMismatch()
    {
        string dir = CopyVector("swtpm-ecc");
        Flip(Path.Combine(dir, "quote.pcrs"), 132 + 4 + 4 + 2);
        (int rc, string stdout, _) = Run(VerifyArgs(dir, Nonce("swtpm-ecc")));
        Assert.Equal(1, rc);
        Assert.Contains("pcr-digest-mismatch", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_WrongNonce_ExitOneNonceMismatch()
    {
        (int rc, string stdout, _) = Run(VerifyArgs(Vector("swtpm-ecc"), "00112233445566778899aabbccddeeff00"));
        Assert.Equal(1, rc);
        Assert.Contains("nonce-mismatch", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TruncatedPcrFile_ExitTwoNamingPcrs()
    {
        string dir = CopyVector("swtpm-ecc");
        string path = Path.Combine(dir, "quote.pcrs");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        (int rc, _, string stderr) = Run(VerifyArgs(dir, Nonce("swtpm-ecc")));
        Assert.Equal(2, rc);
        Assert.Contains("malformed pcrs", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AkFileGarbage_ExitTwoNamingAk()
    {
        string dir = CopyVector("swtpm-ecc");
        File.WriteAllBytes(Path.Combine(dir, "ak.pub"), [0, 3, 1, 2, 3]);
        (int rc, _, string stderr) = Run(VerifyArgs(dir, Nonce("swtpm-ecc")));
        Assert.Equal(2, rc);
        Assert.Contains("malformed ak", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("abc")]
    public void Verify_NonceNotHex_ExitTwo(string nonce)
    {
        (int rc, _, string stderr) = Run(VerifyArgs(Vector("swtpm-ecc"), nonce));
        Assert.Equal(2, rc);
        Assert.Contains("malformed nonce", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_MissingFile_ExitTwoNamingIt()
    {
        string[] args = VerifyArgs(Vector("swtpm-ecc"), Nonce("swtpm-ecc"));
        args[Array.IndexOf(args, "--quote") + 1] = Path.Combine(_dir, "absent.msg");
        (int rc, _, string stderr) = Run(args);
        Assert.Equal(2, rc);
        Assert.Contains("absent.msg", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PolicyWithOtherSelection_ExitOnePcrSelectionMismatch()
    {
        string policy = Path.Combine(_dir, "policy.json");
        File.WriteAllText(policy, """{ "version": 1, "pcrSelection": "sha256:0,1,2,16" }""");
        (int rc, string stdout, _) = Run([.. VerifyArgs(Vector("swtpm-ecc"), Nonce("swtpm-ecc")), "--policy", policy]);
        Assert.Equal(1, rc);
        Assert.Contains("pcr-selection-mismatch", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_MalformedPolicy_ExitTwo()
    {
        string policy = Path.Combine(_dir, "policy.json");
        File.WriteAllText(policy, """{ "version": 1, "pcrSelection": 5 }""");
        (int rc, _, string stderr) = Run([.. VerifyArgs(Vector("swtpm-ecc"), Nonce("swtpm-ecc")), "--policy", policy]);
        Assert.Equal(2, rc);
        Assert.Contains("malformed policy", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void QuoteThenVerify_SoftTpm_ExitZeroAndEventLogReplays()
    {
        const string nonce = "0102030405060708090a0b0c0d0e0f10";
        (int rc, string stdout, string stderr) = Run(["attest", "quote", "--nonce", nonce, "--out", _dir]);
        Assert.True(rc == 0, stdout + stderr);
        (rc, stdout, stderr) = Run([.. VerifyArgs(_dir, nonce), "--eventlog", Path.Combine(_dir, "eventlog.bin")]);
        Assert.True(rc == 0, stdout + stderr);

        // The log measured greyctl into PCR 10; an edited log no longer replays.
        Flip(Path.Combine(_dir, "eventlog.bin"), 20);
        (rc, stdout, _) = Run([.. VerifyArgs(_dir, nonce), "--eventlog", Path.Combine(_dir, "eventlog.bin")]);
        Assert.Equal(1, rc);
        Assert.Contains("event-log-mismatch", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_ShortNonce_ExitTwo()
    {
        (int rc, _, string stderr) = Run(["attest", "quote", "--nonce", "0011", "--out", _dir]);
        Assert.Equal(2, rc);
        Assert.Contains("--nonce", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Quote_BadTarget_ExitTwo()
    {
        (int rc, _, string stderr) = Run(["attest", "quote", "--nonce", "00112233445566778899aabbccddeeff", "--out", _dir, "--tpm", "swtpm:localhost"]);
        Assert.Equal(2, rc);
        Assert.Contains("--tpm", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Rc, string Stdout, string Stderr) Run(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int rc = Program.Run(args, stdout, stderr);
        return (rc, stdout.ToString(), stderr.ToString());
    }

    private static string[] VerifyArgs(string dir, string nonce) =>
    [
        "attest", "verify", "--quote", Path.Combine(dir, "quote.msg"), "--signature", Path.Combine(dir, "quote.sig"),
        "--ak", Path.Combine(dir, "ak.pub"), "--pcrs", Path.Combine(dir, "quote.pcrs"), "--nonce", nonce,
    ];

    private static string Vector(string name)
    {
        // The vectors live with the attestation tests; find them from the repository root.
        DirectoryInfo? d = new(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "Grey.slnx")))
        {
            d = d.Parent;
        }

        Assert.NotNull(d);
        return Path.Combine(d!.FullName, "tests", "Grey.Attestation.Tests", "testdata", name);
    }

    private static string Nonce(string vector) => File.ReadAllText(Path.Combine(Vector(vector), "nonce.hex")).Trim();

    private string CopyVector(string vector)
    {
        string dir = Path.Combine(_dir, vector);
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(Vector(vector)))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }

        return dir;
    }

    private static void Flip(string path, int offset)
    {
        byte[] b = File.ReadAllBytes(path);
        b[offset >= 0 ? offset : b.Length + offset] ^= 1;
        File.WriteAllBytes(path, b);
    }
}
