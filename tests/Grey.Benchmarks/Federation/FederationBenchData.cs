using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Operations;

namespace Grey.Benchmarks.Federation;

/// <summary>Deterministic inputs for the federation benchmarks.</summary>
internal static class FederationBenchData
{
    public const string Site = "site-a";
    public const ulong Epoch = 42;

    /// <summary>A site log of <paramref name="entries"/> entries, each one LWW put of 16 bytes over <paramref name="keys"/> keys.</summary>
    public static List<DataEntry> PutEntries(int entries, int keys, int seed = 1)
    {
        var rng = new Random(seed);
        var list = new List<DataEntry>(entries);
        for (int i = 1; i <= entries; i++)
        {
            var t = new HlcTimestamp(1_764_000_000_000 + i, 0);
            byte[] value = new byte[16];
            rng.NextBytes(value);
            string key = (rng.Next(4) == 0 ? "shared/k" : "k") + rng.Next(keys);
            list.Add(new DataEntry((ulong)i, t, [Operation.Put(key, value, t, "node-" + rng.Next(3))]));
        }

        return list;
    }

    public static SiteDelta Delta(int batch) =>
        SiteDelta.Create("r0", Site, Epoch, 1, (ulong)batch, ChainHash.Genesis(Site, Epoch), PutEntries(batch, 1_000));

    public static X509Certificate2 Certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=node-1.site-a", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }
}
