using Grey.Edge.Desired;
using Grey.Edge.Tests.Outbox.Support;
using Grey.Federation.Signing;
using Xunit.Abstractions;

namespace Grey.Edge.Tests.Desired;

public class RegionDesiredVerifierTests(ITestOutputHelper output)
{
    private const string Site = "site-d";
    private readonly DesiredTestKit kit = new();

    [Fact]
    public void Verify_SignedByTheHomeRegionForThisSite_Trusted()
    {
        var change = kit.Change(Site, 3, "desired/fan/speed", "70");
        var result = kit.Verifier(Site).Verify(kit.Sign(change));
        Assert.True(result.IsTrusted, result.Error);
        Assert.Equal(3UL, result.Change!.Sequence);
        Assert.Equal(change.Encode(), result.Change.Encode());
    }

    [Fact]
    public void Verify_SignedByAnotherCasCertificate_RefusedAsSignature()
    {
        var (_, evil) = TestRegion.CreateCa("evil ca", "region eu-1");
        var result = kit.Verifier(Site).Verify(new MessageSigner(evil).SignEnvelope(kit.Change(Site, 1, "desired/a", "x").Encode()));
        Assert.False(result.IsTrusted);
        Assert.Equal(DesiredRefusal.Signature, result.Reason);
    }

    [Fact]
    public void Verify_ChangeForAnotherSite_RefusedAsWrongSite()
    {
        var result = kit.Verifier(Site).Verify(kit.Sign(kit.Change("other-site", 1, "desired/a", "x")));
        Assert.Equal(DesiredRefusal.WrongSite, result.Reason);
        Assert.Contains("other-site", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ChangeIssuedByAnotherRegion_RefusedAsWrongRegion()
    {
        // Signed with the trusted key, but naming a region that is not this site's home region.
        var result = kit.Verifier(Site).Verify(kit.Sign(kit.Change(Site, 1, "desired/a", "x", region: "us-2")));
        Assert.Equal(DesiredRefusal.WrongRegion, result.Reason);
    }

    [Fact]
    public void Verify_AckInsteadOfChange_RefusedAsMalformed()
    {
        var ack = new Grey.Federation.Messages.RegionAck("eu-1", Site, 7, 42, new byte[32]);
        var result = kit.Verifier(Site).Verify(new MessageSigner(kit.Leaf).SignEnvelope(ack.Encode()));
        Assert.Equal(DesiredRefusal.Malformed, result.Reason);
    }

    [Fact]
    public void Verify_RandomBytesAndMutations_NeverThrowNeverTrustedWhenChanged()
    {
        const int seed = 7107;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var verifier = kit.Verifier(Site);
        var wire = kit.Sign(kit.Change(Site, 9, "desired/mode", "auto"));
        var trusted = 0;
        for (var i = 0; i < 400; i++)
        {
            byte[] input;
            if (i % 4 == 0)
            {
                input = new byte[random.Next(0, 600)];
                random.NextBytes(input);
            }
            else
            {
                input = (byte[])wire.Clone();
                input[random.Next(input.Length)] ^= (byte)(1 + random.Next(255));
                if (i % 4 == 3)
                {
                    input = input[..random.Next(input.Length)];
                }
            }

            var result = verifier.Verify(input);
            if (result.IsTrusted)
            {
                // A changed byte that still verifies can only sit outside the signed content (e.g. CMS framing the signature does not cover).
                Assert.Equal(kit.Change(Site, 9, "desired/mode", "auto").Encode(), result.Change!.Encode());
                trusted++;
            }
            else
            {
                Assert.NotEqual(DesiredRefusal.None, result.Reason);
            }
        }

        output.WriteLine($"{trusted} mutated inputs still verified (same content)");
    }
}
