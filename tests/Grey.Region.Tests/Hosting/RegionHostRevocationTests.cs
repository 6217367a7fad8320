using Grey.Region.Hosting;
using Grey.Region.Ingest;
using Grey.Region.Tests.Support;

namespace Grey.Region.Tests.Hosting;

/// <summary>
/// The revocation repair of <see cref="RegionHost"/>: a delta signed by a revoked node proves its site missed the
/// notice (published once, when the node was revoked), so the host republishes one through
/// <see cref="RegionHost.RevocationNotices"/>, at most once per <see cref="RegionHostOptions.RevocationRepublishInterval"/>
/// per signer; a delta of a node that is not revoked never triggers one.
/// </summary>
public sealed class RegionHostRevocationTests
{
    private static readonly RegionHostOptions Options = new()
    {
        PublishRegionDeltas = false,
        RevocationRepublishInterval = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task SendAsync_RevokedSignerAfterLostNotice_NoticeRepublishedToItsSite()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, Options);
        var asked = new List<string>();
        byte[] notice = [0x4e, 0x01, 0x02];
        host.RevocationNotices = node =>
        {
            asked.Add(node);
            return ("site-a", notice);
        };
        var transport = new RecordingTransport();
        RegionStepOutput merged = host.Step([Delta(h, h.A1, 1, 3)], []);
        await host.SendAsync(transport, merged, CancellationToken.None);

        // The node is revoked; the notice the region published then never reached the site (a broker restart).
        Assert.True(h.Registry.Revoke("a1"));
        RegionStepOutput rejected = host.Step([Delta(h, h.A1, 4, 6)], []);
        await host.SendAsync(transport, rejected, CancellationToken.None);

        Assert.Equal(IngestStatus.Merged, merged.Results[0].Status);
        Assert.Equal(RejectReason.NodeRevoked, rejected.Results[0].Reason);
        Assert.Equal("a1", rejected.Results[0].RevokedSigner);
        Assert.Equal(["a1"], asked);
        (string site, byte[] sent) = Assert.Single(transport.Revocations);
        Assert.Equal("site-a", site);
        Assert.Equal(notice, sent);
        Assert.Equal(1, host.Metrics.RevocationsRepublished);
    }

    [Fact]
    public async Task Step_RevokedSignerKeepsShipping_RepublishedOncePerInterval()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, Options);
        Assert.True(h.Registry.Revoke("a1"));
        var due = new List<int>();

        // Six rejected deltas in 5 s (one a second, two in the first turn) and then one after the interval.
        due.Add(host.Step([Delta(h, h.A1, 1, 3), Delta(h, h.A1, 1, 3)], []).Revocations.Count);
        for (int i = 0; i < 4; i++)
        {
            h.Fleet.Time.Advance(TimeSpan.FromSeconds(1));
            due.Add(host.Step([Delta(h, h.A1, 1, 3)], []).Revocations.Count);
        }

        h.Fleet.Time.Advance(TimeSpan.FromSeconds(1));
        due.Add(host.Step([Delta(h, h.A1, 1, 3)], []).Revocations.Count);

        Assert.Equal([1, 0, 0, 0, 0, 1], due);
    }

    [Fact]
    public async Task Step_RevokedSignerWithExpiredAttestation_StillNodeRevokedAndRepublished()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, Options);
        Assert.True(h.Registry.Revoke("a1"));

        // A revoked node cannot attest again: long after, its result has expired, and its deltas must still be named
        // node-revoked (and repair the site), not attestation-expired.
        h.Fleet.Time.Advance(TimeSpan.FromHours(2));
        RegionStepOutput output = host.Step([Delta(h, h.A1, 1, 3)], []);

        Assert.Equal(RejectReason.NodeRevoked, output.Results[0].Reason);
        Assert.Equal([("site-a", "a1")], output.Revocations);
    }

    [Fact]
    public async Task Step_OtherRejectionsAndMerges_NothingRepublished()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, Options);
        int asked = 0;
        host.RevocationNotices = _ =>
        {
            asked++;
            return ("site-a", [1]);
        };
        byte[] tampered = h.SiteA.Signed(4, 6, h.A1.Certificate);
        tampered[^1] ^= 0x01;

        RegionStepOutput output = host.Step([Delta(h, h.A1, 1, 3), new InboundDelta("site-a", tampered, null, 4)], []);
        await host.SendAsync(new RecordingTransport(), output, CancellationToken.None);

        Assert.Equal(IngestStatus.Merged, output.Results[0].Status);
        Assert.Equal(IngestStatus.Rejected, output.Results[1].Status);
        Assert.Null(output.Results[1].RevokedSigner);
        Assert.Empty(output.Revocations);
        Assert.Equal(0, asked);
    }

    [Fact]
    public async Task SendAsync_NoNoticeSource_NothingPublished()
    {
        await using RegionHarness h = await RegionHarness.CreateAsync();
        using var host = new RegionHost(() => h.Open(new CrashingFileSystem()), h.Fleet.Time, Options);
        Assert.True(h.Registry.Revoke("a1"));
        var transport = new RecordingTransport();

        RegionStepOutput output = host.Step([Delta(h, h.A1, 1, 3)], []);
        await host.SendAsync(transport, output, CancellationToken.None);

        Assert.Single(output.Revocations);
        Assert.Empty(transport.Revocations);
        Assert.Equal(0, host.Metrics.RevocationsRepublished);
    }

    private static InboundDelta Delta(RegionHarness h, EdgeNode signer, ulong first, ulong last) =>
        new("site-a", h.SiteA.Signed(first, last, signer.Certificate), null, (long)first);
}
