using Grey.Region.Hosting;
using Grey.Region.Ingest;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Hosting;

/// <summary>
/// A turn's deltas are decoded and their signatures checked on several cores before the in-order merge
/// (<see cref="RegionHostOptions.PrepareParallelism"/>): the outcome of every delta, and the merged state, must be
/// exactly those of the one-core path, whatever the batch holds (good, tampered, forged, out of order, repeated).
/// </summary>
public sealed class RegionHostPrepareTests
{
    [Fact]
    public async Task Step_MixedBatch_SameOutcomesPreparedInParallelOrNot()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        byte[] tampered = h.SiteA.Signed(4, 6, h.A1.Certificate);
        tampered[^1] ^= 0x01; // the last byte of the signature's s: still well formed, no longer valid
        byte[] forged = h.SiteA.Signed(4, 6, RegionFleet.CreateCertificate("intruder.site-a"));
        List<InboundDelta> batch =
        [
            Delta(h.SiteA.Signed(1, 3, h.A1.Certificate)),
            Delta(tampered),
            Delta(forged),
            Delta(h.SiteA.Signed(10, 12, h.A2.Certificate)),
            Delta(h.SiteA.Signed(4, 6, h.A2.Certificate)),
            Delta(h.SiteA.Signed(1, 3, h.A1.Certificate)),
            Delta([0xa1, 0x00]),
            Delta(h.SiteA.Signed(7, 9, h.A1.Certificate)),
        ];

        var outcomes = new List<string>[2];
        var hashes = new byte[2][];
        int[] parallelism = [1, 4];
        for (int run = 0; run < 2; run++)
        {
            var options = new RegionHostOptions { PublishRegionDeltas = false, PrepareParallelism = parallelism[run] };
            using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, options);
            RegionStepOutput output = host.Step(batch, []);
            outcomes[run] = [.. output.Results.Select(r => $"{r.Status} {r.Reason} {r.MergedIndex} {r.Released}")];
            hashes[run] = host.Read(core => core.ComputeStateHash());
        }

        Assert.Equal(outcomes[0], outcomes[1]);
        Assert.Equal(hashes[0], hashes[1]);

        // The batch really exercised every path: merged, rejected as tampered and as forged, malformed, a gap later
        // released, and a duplicate.
        Assert.Contains(outcomes[1], o => o.StartsWith("Rejected SignatureInvalid", StringComparison.Ordinal));
        Assert.Contains(outcomes[1], o => o.StartsWith("Rejected SignerUnknown", StringComparison.Ordinal));
        Assert.Contains(outcomes[1], o => o.StartsWith("Rejected Malformed", StringComparison.Ordinal));
        Assert.Contains(outcomes[1], o => o.StartsWith("Duplicate", StringComparison.Ordinal));
        Assert.Contains(outcomes[1], o => o.StartsWith("Gap", StringComparison.Ordinal));
        Assert.Equal("Merged  12 1", outcomes[1][^1]);
    }

    [Fact]
    public void Options_PrepareParallelismOutOfRange_Refused()
    {
        Assert.Contains(new RegionHostOptions { PrepareParallelism = 0 }.Validate(), e => e.Contains("PrepareParallelism", StringComparison.Ordinal));
    }

    private static InboundDelta Delta(byte[] wire) => new("site-a", wire, null, 1);
}
