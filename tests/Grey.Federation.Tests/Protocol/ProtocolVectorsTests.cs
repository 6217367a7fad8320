using System.Text;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Merge;
using Grey.Federation.Messages;
using Grey.Federation.Signing;
using Grey.Federation.State;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Protocol;

/// <summary>
/// The hex test vectors of docs/PROTOCOL.md (kept in testdata/vectors.txt, signed with the committed test
/// key): each must decode, verify with the committed certificate, carry the documented fields, and appear
/// verbatim in the document. Set GREY_REWRITE_VECTORS=1 to regenerate the file (signatures are randomized,
/// so regenerating changes every vector; then paste them into the document).
/// </summary>
public sealed class ProtocolVectorsTests
{
    private static readonly string[] Names = ["site-delta-v2", "site-delta-v1", "checkpoint-delta-v2", "site-delta-v2-compressed", "region-ack", "desired-change", "region-delta"];

    private static Dictionary<string, byte[]> Load()
    {
        var vectors = new Dictionary<string, byte[]>();
        foreach (string line in File.ReadAllLines(TestData.Path("vectors.txt")))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            vectors[line[..colon]] = Convert.FromHexString(line[(colon + 1)..].Trim());
        }

        return vectors;
    }

    [Fact]
    public void Vectors_RewriteSwitch_RegeneratesWhenAsked()
    {
        if (Environment.GetEnvironmentVariable("GREY_REWRITE_VECTORS") != "1")
        {
            Assert.True(File.Exists(TestData.Path("vectors.txt")), "testdata/vectors.txt is missing; run with GREY_REWRITE_VECTORS=1");
            return;
        }

        var signer = new MessageSigner(TestKeys.SiteA);
        byte[] delta = signer.SignEnvelope(Samples.Delta().Encode());
        var lines = new StringBuilder("# Signed with testdata/signer-key.pem; see docs/PROTOCOL.md §10.\n");
        void Add(string name, byte[] bytes) => lines.Append(name).Append(": ").Append(Convert.ToHexString(bytes)).Append('\n');
        Add("site-delta-v2", delta);
        Add("site-delta-v1", signer.SignEnvelope(Samples.Delta(1).Encode()));
        Add("checkpoint-delta-v2", signer.SignEnvelope(Samples.Checkpoint().Encode()));
        Add("site-delta-v2-compressed", SignedEnvelope.Compress(delta));
        Add("region-ack", signer.SignEnvelope(Samples.Ack().Encode()));
        Add("desired-change", signer.SignEnvelope(Samples.Change.Encode()));
        Add("region-delta", signer.SignEnvelope(new RegionDelta("r0", Samples.RegionStateWithProgress()).Encode()));
        File.WriteAllText(TestData.SourcePath("vectors.txt"), lines.ToString());
    }

    [Fact]
    public void Vectors_Every_DecodesAndVerifiesWithCommittedCertificate()
    {
        Dictionary<string, byte[]> vectors = Load();
        Assert.Equal(Names.Order(), vectors.Keys.Order());
        foreach (var (name, wire) in vectors)
        {
            DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire);
            Assert.True(env.IsSuccess, $"{name}: {env.Error}");
            SignatureCheck check = env.Value.Verify(TestKeys.Lookup(TestKeys.PublicOnly(TestKeys.SiteA)));
            Assert.True(check.IsValid, $"{name}: {check.Reason}");
        }
    }

    [Fact]
    public void Vectors_Deltas_CarryTheDocumentedFields()
    {
        Dictionary<string, byte[]> v = Load();
        var d2 = Assert.IsType<SiteDelta>(Decoded(v["site-delta-v2"]));
        Assert.Equal((2, "r0", "site-a", Samples.Epoch, 1UL, 4UL, 3), (d2.Version, d2.Region, d2.Site, d2.Epoch, d2.FirstIndex, d2.LastIndex, d2.Entries.Count));
        Assert.Equal(Samples.Delta().Encode(), d2.Encode());
        var d1 = Assert.IsType<SiteDelta>(Decoded(v["site-delta-v1"]));
        Assert.Equal(1, d1.Version);
        Assert.Equal(d2.MaxStamp, d1.MaxStamp);
        var cp = Assert.IsType<CheckpointDelta>(Decoded(v["checkpoint-delta-v2"]));
        Assert.Equal(4UL, cp.LastIndex);
        Assert.Equal(Samples.Delta().Encode(), Decoded(v["site-delta-v2-compressed"]).Encode());

        RegionAck ack = RegionAck.Decode(SignedEnvelope.Decode(v["region-ack"]).Value!.Content).Value!;
        Assert.Equal(d2.ChainAfter.ToArray(), ack.ChainHash.ToArray());
        DesiredChange change = DesiredChange.Decode(SignedEnvelope.Decode(v["desired-change"]).Value!.Content).Value!;
        Assert.Equal(Samples.Change.Digest.ToArray(), change.Digest.ToArray());
    }

    [Fact]
    public void Vectors_MergedInAnyOrder_SameHashAsRegionDeltaVector()
    {
        Dictionary<string, byte[]> v = Load();
        var directory = TestKeys.Directory(("site-a", TestKeys.SiteA));
        RegionState expected = RegionDelta.Decode(SignedEnvelope.Decode(v["region-delta"]).Value!.Content).Value!.State;
        foreach (string[] order in new[] { new[] { "site-delta-v2", "checkpoint-delta-v2" }, ["checkpoint-delta-v2", "site-delta-v1", "site-delta-v2-compressed"] })
        {
            var m = new RegionMerger("r1", directory, Samples.Ledger());
            foreach (string name in order)
            {
                Assert.True(m.Merge(v[name]).ShouldAcknowledge, name);
            }

            Assert.Equal(expected.ComputeHash(), m.ComputeStateHash());
        }
    }

    [Fact]
    public void Vectors_AppearVerbatimInProtocolDocument()
    {
        string doc = new([.. File.ReadAllText(Path.Combine(TestData.RepoRoot(), "docs", "PROTOCOL.md")).Where(c => !char.IsWhiteSpace(c))]);
        foreach (var (name, wire) in Load())
        {
            Assert.True(doc.Contains(Convert.ToHexString(wire), StringComparison.Ordinal), $"vector {name} is not in docs/PROTOCOL.md");
        }
    }

    private static Delta Decoded(byte[] wire)
    {
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire);
        DecodeResult<Delta> d = Delta.Decode(env.Value!.Content);
        Assert.True(d.IsSuccess, d.Error?.ToString());
        return d.Value;
    }
}
