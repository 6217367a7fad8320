using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Operations;
using Grey.Federation.Signing;

namespace Grey.Ctl.Tests.Commands;

public sealed class DeltaCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("greyctl-delta-").FullName;
    private readonly X509Certificate2 _cert = CreateCertificate("node-1.site-a");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static X509Certificate2 CreateCertificate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    private static SiteDelta SampleDelta(int entries = 3)
    {
        var list = new List<DataEntry>();
        for (int i = 1; i <= entries; i++)
        {
            var t = new HlcTimestamp(1_000 + i, 0);
            list.Add(new DataEntry((ulong)i, t, [Operation.Put("k" + i, [(byte)i], t, "node-1"), Operation.CounterAdd("shared/c", i, t, "node-1")]));
        }

        return SiteDelta.Create("r0", "site-a", 7, 1, (ulong)entries, ChainHash.Genesis("site-a", 7), list);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (int Rc, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = Program.Run(args, o, e);
        return (rc, o.ToString(), e.ToString());
    }

    private byte[] Signed(SiteDelta? d = null) => new MessageSigner(_cert).SignEnvelope((d ?? SampleDelta()).Encode());

    [Fact]
    public void Inspect_SignedDelta_PrintsFieldsAndOperations()
    {
        var (rc, stdout, _) = Run("delta", "inspect", Write("d.bin", Signed()));
        Assert.Equal(0, rc);
        Assert.Contains("signed site delta", stdout, StringComparison.Ordinal);
        Assert.Contains("site: site-a", stdout, StringComparison.Ordinal);
        Assert.Contains("put k2 (1 bytes)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_Json_OneObjectWithEntries()
    {
        string hex = Convert.ToHexString(Signed());
        var (rc, stdout, _) = Run("delta", "inspect", Write("d.hex", System.Text.Encoding.ASCII.GetBytes(hex[..40] + "\n" + hex[40..])), "--json");
        Assert.Equal(0, rc);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("site delta", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("entries").GetArrayLength());
        Assert.Equal(6, doc.RootElement.GetProperty("operationCount").GetInt32());
    }

    [Fact]
    public void Inspect_Compressed_SaysSo()
    {
        var (rc, stdout, _) = Run("delta", "inspect", Write("c.bin", SignedEnvelope.Compress(Signed())));
        Assert.Equal(0, rc);
        Assert.Contains("(compressed)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_MissingFile_ExitTwoWithMessage()
    {
        var (rc, _, stderr) = Run("delta", "inspect", Path.Combine(_dir, "nope"));
        Assert.Equal(2, rc);
        Assert.Contains("no such file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_Garbage_ExitTwoWithMessage()
    {
        var (rc, stdout, stderr) = Run("delta", "inspect", Write("g.bin", [0x82, 0x41, 0x01, 0x41]));
        Assert.Equal(2, rc);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("malformed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_MutatedFiles_ExitZeroOrTwoNeverCrash()
    {
        const int seed = 314;
        var rng = new Random(seed);
        byte[] good = Signed();
        for (int i = 0; i < 400; i++)
        {
            byte[] m = (byte[])good.Clone();
            int flips = rng.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                m[rng.Next(m.Length)] ^= (byte)rng.Next(1, 256);
            }

            if (rng.Next(4) == 0)
            {
                m = m[..rng.Next(m.Length)];
            }

            var (rc, _, stderr) = Run("delta", "inspect", Write("m.bin", m));
            Assert.True(rc is 0 or 2, $"seed {seed} iteration {i}: exit {rc}");
            Assert.True(rc == 0 || stderr.Contains("greyctl:", StringComparison.Ordinal), $"seed {seed} iteration {i}: no message");
        }
    }

    [Fact]
    public void Verify_RightCertificatePemOrDer_ExitZero()
    {
        string file = Write("d.bin", Signed());
        Assert.Equal(0, Run("delta", "verify", file, "--cert", Write("c.pem", System.Text.Encoding.ASCII.GetBytes(_cert.ExportCertificatePem()))).Rc);
        Assert.Equal(0, Run("delta", "verify", file, "--cert", Write("c.der", _cert.RawData)).Rc);
    }

    [Fact]
    public void Verify_OtherSignersCertificate_ExitOneWithReason()
    {
        var other = CreateCertificate("other");
        var (rc, stdout, _) = Run("delta", "verify", Write("d.bin", Signed()), "--cert", Write("o.der", other.RawData));
        Assert.Equal(1, rc);
        Assert.Contains("signer-unknown", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SignatureOverOtherContent_ExitOneSignatureInvalid()
    {
        var signer = new MessageSigner(_cert);
        byte[] wire = SignedEnvelope.Encode(SampleDelta(3).Encode(), signer.SignDetached(SampleDelta(2).Encode()));
        var (rc, stdout, _) = Run("delta", "verify", Write("t.bin", wire), "--cert", Write("c.der", _cert.RawData));
        Assert.Equal(1, rc);
        Assert.Contains("signature-invalid", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_BadCertificateOrMissingOption_ExitTwo()
    {
        string file = Write("d.bin", Signed());
        Assert.Equal(2, Run("delta", "verify", file, "--cert", Write("bad.pem", [1, 2, 3])).Rc);
        Assert.Equal(2, Run("delta", "verify", file).Rc);
    }

    [Fact]
    public void Verify_MalformedDelta_ExitTwo()
    {
        Assert.Equal(2, Run("delta", "verify", Write("g.bin", [0xFF]), "--cert", Write("c.der", _cert.RawData)).Rc);
    }
}
