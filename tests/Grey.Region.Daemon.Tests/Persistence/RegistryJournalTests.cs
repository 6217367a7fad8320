using System.Security.Cryptography.X509Certificates;
using Grey.Attestation.Results;
using Grey.Region.Daemon.Persistence;
using Grey.Region.Daemon.Tests.Support;
using Grey.Region.Registry;

namespace Grey.Region.Daemon.Tests.Persistence;

public sealed class RegistryJournalTests(RegionFixture f) : IClassFixture<RegionFixture>
{
    [Fact]
    public async Task Open_AfterRestart_RebuildsEnrolmentResultRevocationAndSequence()
    {
        string dir = f.NewFolder();
        using (RegistryJournal j = RegistryJournal.Open(dir, f.Fleet.NewRegistry()))
        {
            j.Enrolled("a1", "site-a", X509CertificateLoader.LoadCertificate(f.A1.Certificate.RawData));
            j.Attested("a1", await f.Fleet.AttestAsync(f.A1));
            j.Enrolled("a2", "site-a", X509CertificateLoader.LoadCertificate(f.A2.Certificate.RawData));
            j.Revoked("a2");
            j.IssuedSequence(7);
        }

        NodeRegistry registry = f.Fleet.NewRegistry();
        using RegistryJournal again = RegistryJournal.Open(dir, registry);

        Assert.Equal(NodeAttestation.Passing, registry.Find("a1")!.Attestation);
        Assert.False(registry.Find("a1")!.Revoked);
        Assert.True(registry.Find("a2")!.Revoked);
        Assert.Equal(7UL, again.IssuerSequence);
        Assert.Equal(0, again.TornBytesCut);
    }

    [Fact]
    public void Open_TornTail_CutAndTheRestKept()
    {
        string dir = f.NewFolder();
        using (RegistryJournal j = RegistryJournal.Open(dir, f.Fleet.NewRegistry()))
        {
            j.Enrolled("a1", "site-a", X509CertificateLoader.LoadCertificate(f.A1.Certificate.RawData));
            j.Enrolled("b1", "site-b", X509CertificateLoader.LoadCertificate(f.B1.Certificate.RawData));
        }

        string path = Path.Combine(dir, RegistryJournal.FileName);
        byte[] whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..^10]);

        NodeRegistry registry = f.Fleet.NewRegistry();
        using RegistryJournal again = RegistryJournal.Open(dir, registry);

        Assert.NotNull(registry.Find("a1"));
        Assert.Null(registry.Find("b1"));
        Assert.True(again.TornBytesCut > 0);
        again.IssuedSequence(3);
        using RegistryJournal third = RegistryJournal.Open(dir, f.Fleet.NewRegistry());
        Assert.Equal(3UL, third.IssuerSequence);
    }

    [Fact]
    public async Task Append_ManyResults_CompactsAndStillReplays()
    {
        string dir = f.NewFolder();
        SignedEnvelope result = await f.Fleet.AttestAsync(f.A1);
        long before;
        using (RegistryJournal j = RegistryJournal.Open(dir, f.Fleet.NewRegistry()))
        {
            j.Enrolled("a1", "site-a", X509CertificateLoader.LoadCertificate(f.A1.Certificate.RawData));
            for (int i = 0; i < RegistryJournal.CompactSlack + 20; i++)
            {
                j.Attested("a1", result);
            }

            before = new FileInfo(Path.Combine(dir, RegistryJournal.FileName)).Length;
        }

        Assert.True(before < 20 * (result.ToBytes().Length + 64), $"journal of {before} bytes was not compacted");
        NodeRegistry registry = f.Fleet.NewRegistry();
        using RegistryJournal again = RegistryJournal.Open(dir, registry);
        Assert.Equal(NodeAttestation.Passing, registry.Find("a1")!.Attestation);
    }

    [Fact]
    public void Open_DamageWithDataAfterIt_RefusedNotCut()
    {
        string dir = f.NewFolder();
        using (RegistryJournal j = RegistryJournal.Open(dir, f.Fleet.NewRegistry()))
        {
            j.Enrolled("a1", "site-a", X509CertificateLoader.LoadCertificate(f.A1.Certificate.RawData));
            j.Revoked("a1");
        }

        string path = Path.Combine(dir, RegistryJournal.FileName);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[20] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => RegistryJournal.Open(dir, f.Fleet.NewRegistry()));
        Assert.Contains("offset 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_SeededMutations_OpensOrRefusesCleanly()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("GREY_FUZZ_SEED"), out int s) ? s : 6006;
        Console.WriteLine($"GREY_FUZZ_SEED={seed}");
        var random = new Random(seed);
        string template = f.NewFolder();
        using (RegistryJournal j = RegistryJournal.Open(template, f.Fleet.NewRegistry()))
        {
            j.Enrolled("a1", "site-a", X509CertificateLoader.LoadCertificate(f.A1.Certificate.RawData));
            j.Attested("a1", await f.Fleet.AttestAsync(f.A1));
            j.Revoked("a1");
            j.IssuedSequence(4);
        }

        byte[] original = File.ReadAllBytes(Path.Combine(template, RegistryJournal.FileName));
        int opened = 0, refused = 0;
        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            switch (random.Next(3))
            {
                case 0:
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                default:
                    byte[] junk = new byte[random.Next(1, 64)];
                    random.NextBytes(junk);
                    bytes = [.. bytes, .. junk];
                    break;
            }

            string dir = f.NewFolder();
            File.WriteAllBytes(Path.Combine(dir, RegistryJournal.FileName), bytes);
            try
            {
                using RegistryJournal j = RegistryJournal.Open(dir, f.Fleet.NewRegistry());
                opened++;
            }
            catch (InvalidDataException)
            {
                refused++;
            }
        }

        Assert.Equal(200, opened + refused);
        Assert.True(opened > 0 && refused > 0, $"seed {seed}: opened {opened}, refused {refused}");
    }
}
