using CsCheck;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Merge;
using Grey.Federation.Signing;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Signing;

public sealed class SignedEnvelopeTests
{
    private static readonly MessageSigner Signer = new(TestKeys.SiteA);

    [Fact]
    public void Verify_SignedDelta_Valid()
    {
        byte[] wire = Signer.SignEnvelope(Samples.Delta().Encode());
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(wire);
        Assert.True(env.IsSuccess, env.Error?.ToString());
        Assert.Equal(SignatureStatus.Valid, env.Value.Verify(TestKeys.Lookup(TestKeys.PublicOnly(TestKeys.SiteA))).Status);
    }

    [Fact]
    public void Verify_UnknownSigner_SignerUnknown()
    {
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(Signer.SignEnvelope([1, 2]));
        Assert.Equal(SignatureStatus.SignerUnknown, env.Value!.Verify(TestKeys.Lookup(TestKeys.SiteB)).Status);
    }

    [Fact]
    public void Verify_CertificateOfAnotherKeyReturnedForTheKeyId_SignatureInvalid()
    {
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(Signer.SignEnvelope([1, 2]));
        Assert.Equal(SignatureStatus.SignatureInvalid, env.Value!.Verify(_ => TestKeys.SiteB).Status);
    }

    [Fact]
    public void Verify_CertificateWithP384Key_SignatureInvalid()
    {
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(Signer.SignEnvelope([1, 2]));
        var p384 = TestKeys.CreateCertificate("p384", System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        SignatureCheck check = env.Value!.Verify(_ => p384);
        Assert.Equal(SignatureStatus.SignatureInvalid, check.Status);
    }

    [Fact]
    public void Constructor_CertificateWithoutPrivateKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MessageSigner(TestKeys.PublicOnly(TestKeys.SiteA)));
    }

    [Fact]
    public void Decode_Compressed_SameContentAndValid()
    {
        byte[] plain = Signer.SignEnvelope(Samples.Delta().Encode());
        byte[] compressed = SignedEnvelope.Compress(plain);
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(compressed);
        Assert.True(env.IsSuccess, env.Error?.ToString());
        Assert.True(env.Value.WasCompressed);
        Assert.Equal(Samples.Delta().Encode(), env.Value.Content.ToArray());
        Assert.True(env.Value.Verify(TestKeys.Lookup(TestKeys.SiteA)).IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(70_000)]
    public void Encode_ByteStringHeadsAtEveryWidth_SameBytesAsTheCanonicalCborWriter(int length)
    {
        // The envelope is written by hand into one array; the canonical CBOR writer is the reference for every head width.
        byte[] content = [.. Enumerable.Range(0, length).Select(i => (byte)i)];
        byte[] signedData = [.. Enumerable.Range(0, length % 300).Select(i => (byte)(i + 1))];
        var w = new System.Formats.Cbor.CborWriter(System.Formats.Cbor.CborConformanceMode.Ctap2Canonical);
        w.WriteStartArray(2);
        w.WriteByteString(content);
        w.WriteByteString(signedData);
        w.WriteEndArray();
        Assert.Equal(w.Encode(), SignedEnvelope.Encode(content, signedData));
    }

    [Theory]
    [InlineData("random", 200_000, false)]
    [InlineData("zeros", 200_000, true)]
    [InlineData("random", 1_000, true)]
    public void WorthCompressing_BySample_PredictsTheSaving(string kind, int length, bool expected)
    {
        // Random bytes do not compress, so a large random envelope is judged not worth a DEFLATE pass; zeros are; a
        // small envelope is always tried (compressing it whole costs no more than a sample).
        const int seed = 7;
        byte[] bytes = new byte[length];
        if (kind == "random")
        {
            new Random(seed).NextBytes(bytes);
        }

        Assert.Equal(expected, SignedEnvelope.WorthCompressing(bytes, minSaving: 0.1));
    }

    [Fact]
    public void Decode_CompressionBomb_TooLargeWithoutInflatingIt()
    {
        // 64 MiB of zeros deflate to about 64 KiB; the declared size is small, so decompression stops early.
        byte[] zeros = new byte[64 * 1024 * 1024];
        using var buffer = new MemoryStream();
        using (var d = new System.IO.Compression.DeflateStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            d.Write(zeros);
        }

        var w = new System.Formats.Cbor.CborWriter(System.Formats.Cbor.CborConformanceMode.Ctap2Canonical);
        w.WriteStartArray(3);
        w.WriteUInt32(1);
        w.WriteUInt32(1000);
        w.WriteByteString(buffer.ToArray());
        w.WriteEndArray();
        DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(w.Encode());
        Assert.Equal(DecodeErrorCode.TooLarge, env.Error!.Code);
    }

    [Fact]
    public void Decode_DeclaredSizeAboveCap_TooLarge()
    {
        var w = new System.Formats.Cbor.CborWriter(System.Formats.Cbor.CborConformanceMode.Ctap2Canonical);
        w.WriteStartArray(3);
        w.WriteUInt32(1);
        w.WriteUInt64(FederationLimits.MaxEnvelopeBytes + 1UL);
        w.WriteByteString([0x03, 0x00]);
        w.WriteEndArray();
        Assert.Equal(DecodeErrorCode.TooLarge, SignedEnvelope.Decode(w.Encode()).Error!.Code);
    }

    // Property (DESIGN G4): a signed delta with any single byte changed is rejected, by the decoder, the
    // chain or the signature; never merged.
    [Fact]
    public void Merge_AnySingleByteChanged_Rejected()
    {
        byte[] delta = Samples.Delta().Encode();
        byte[] wire = Signer.SignEnvelope(delta);
        var directory = TestKeys.Directory(("site-a", TestKeys.SiteA));
        var fresh = new RegionMerger("r0", directory, Samples.Ledger());
        Assert.Equal(MergeStatus.Applied, fresh.Merge(wire).Status);

        Gen.Select(Gen.Int[0, wire.Length - 1], Gen.Byte[1, 255]).Sample((pos, x) =>
        {
            byte[] m = (byte[])wire.Clone();
            m[pos] ^= x;
            var merger = new RegionMerger("r0", directory, Samples.Ledger());
            MergeOutcome o = merger.Merge(m);
            Assert.False(o.ShouldAcknowledge, $"byte {pos} ^ {x:X2}: {o.Status} ({o.Reason})");
            Assert.True(merger.State.IsEmpty);
        }, iter: 3000);
    }

    [Fact]
    public void Merge_EveryBytePositionChanged_Rejected()
    {
        // Exhaustive over positions: each byte flipped in its lowest bit and inverted.
        byte[] wire = Signer.SignEnvelope(Samples.Delta().Encode());
        var directory = TestKeys.Directory(("site-a", TestKeys.SiteA));
        for (int pos = 0; pos < wire.Length; pos++)
        {
            foreach (byte x in new byte[] { 0x01, 0xFF })
            {
                byte[] m = (byte[])wire.Clone();
                m[pos] ^= x;
                MergeOutcome o = new RegionMerger("r0", directory, Samples.Ledger()).Merge(m);
                Assert.False(o.ShouldAcknowledge, $"byte {pos} ^ {x:X2}: {o.Status}");
            }
        }
    }

    [Fact]
    public void Decode_MutatedEnvelopes_OnlyDecodeErrors()
    {
        const int seed = 4242;
        byte[] plain = Signer.SignEnvelope(Samples.Delta().Encode());
        byte[][] corpus = [plain, SignedEnvelope.Compress(plain), Signer.SignEnvelope(Samples.Checkpoint().Encode())];
        Fuzz.Run(seed, 5_000, corpus, b =>
        {
            DecodeResult<SignedEnvelope> env = SignedEnvelope.Decode(b);
            if (env.IsSuccess)
            {
                env.Value.Verify(TestKeys.Lookup(TestKeys.SiteA));
            }

            return env.IsSuccess;
        });
    }
}
