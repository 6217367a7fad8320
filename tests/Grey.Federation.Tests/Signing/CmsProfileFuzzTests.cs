using Grey.Federation.Signing;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Signing;

public sealed class CmsProfileFuzzTests
{
    [Fact]
    public void TryParse_MutatedSignedData_NeverThrowsAndNoAlteredOneVerifies()
    {
        const int seed = 5150;
        byte[] content = [1, 2, 3];
        byte[] good = new MessageSigner(TestKeys.SiteA).SignDetached(content);
        Func<ReadOnlyMemory<byte>, System.Security.Cryptography.X509Certificates.X509Certificate2?> lookup = TestKeys.Lookup(TestKeys.SiteA);
        int verified = Fuzz.Run(seed, 5_000, [good], b =>
        {
            bool parsed = CmsProfile.TryParse(b, out _, out _, out string error);
            Assert.True(parsed || error.Length > 0);

            // Mutants inside the key id or the signature integers stay in the profile's shape; they must
            // then fail as an unknown signer or an invalid signature.
            return parsed && !b.AsSpan().SequenceEqual(good) && SignatureVerifier.Verify(content, b, lookup).IsValid;
        });

        Assert.True(verified == 0, $"fuzz seed {seed}: {verified} altered SignedData verified");
    }
}
