using System.Formats.Cbor;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;
using Grey.Federation.Operations;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Encoding;

public sealed class DeltaCodecTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Decode_EncodedSiteDelta_RoundTripsToSameBytes(int version)
    {
        byte[] bytes = Samples.Delta(version).Encode();
        DecodeResult<Delta> r = Delta.Decode(bytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        var d = Assert.IsType<SiteDelta>(r.Value);
        Assert.Equal(version, d.Version);
        Assert.Equal(3, d.Entries.Count);
        Assert.Equal(Samples.T1, d.MinStamp);
        Assert.Equal(Samples.T3, d.MaxStamp);
        Assert.Equal(bytes, d.Encode());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Decode_EncodedCheckpoint_RoundTripsToSameBytes(int version)
    {
        byte[] bytes = Samples.Checkpoint(version).Encode();
        DecodeResult<Delta> r = Delta.Decode(bytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        var d = Assert.IsType<CheckpointDelta>(r.Value);
        Assert.Equal(4UL, d.LastIndex);
        Assert.Equal(bytes, d.Encode());
    }

    [Fact]
    public void Encode_SameDeltaTwice_SameBytes() => Assert.Equal(Samples.Delta().Encode(), Samples.Delta().Encode());

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(23)]
    public void Decode_OtherVersion_UnsupportedVersionWithReason(int version)
    {
        byte[] bytes = Samples.Delta().Encode();
        bytes[2] = (byte)version; // map header, key 0, then the version as a one-byte integer
        DecodeResult<Delta> r = Delta.Decode(bytes);
        Assert.False(r.IsSuccess);
        Assert.Equal(DecodeErrorCode.UnsupportedVersion, r.Error.Code);
        Assert.Contains("version", r.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TrailingByte_Malformed()
    {
        byte[] bytes = [.. Samples.Delta().Encode(), 0x00];
        Assert.Equal(DecodeErrorCode.Malformed, Delta.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void Decode_NonCanonicalInteger_Malformed()
    {
        // The epoch written with a longer integer head than needed is the same number but not canonical.
        var w = new CborWriter(CborConformanceMode.Lax);
        w.WriteStartMap(1);
        w.WriteUInt32(0);
        w.WriteEncodedValue(new byte[] { 0x18, 0x02 });
        w.WriteEndMap();
        Assert.Equal(DecodeErrorCode.Malformed, Delta.Decode(w.Encode()).Error!.Code);
    }

    [Fact]
    public void Decode_FloatWhereIntegerExpected_Malformed()
    {
        byte[] bytes = Samples.Delta().Encode();
        byte[] mutated = [bytes[0], bytes[1], 0xF9, 0x40, 0x00, .. bytes[3..]];
        Assert.Equal(DecodeErrorCode.Malformed, Delta.Decode(mutated).Error!.Code);
    }

    [Fact]
    public void Decode_AckBytes_WrongMessageType()
    {
        DecodeResult<Delta> r = Delta.Decode(Samples.Ack().Encode());
        Assert.Equal(DecodeErrorCode.WrongMessageType, r.Error!.Code);
    }

    [Fact]
    public void Decode_HugeDeclaredArray_RefusedWithoutAllocating()
    {
        // A map whose entries field declares 2^32-1 items in a few bytes.
        byte[] empty = SiteDelta.Create("r0", "site-a", 1, 1, 2, new byte[32], []).Encode();
        Assert.Equal(0x80, empty[^1]);
        byte[] bomb = [.. empty[..^1], 0x9B, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        DecodeResult<Delta> r = Delta.Decode(bomb);
        Assert.False(r.IsSuccess);
    }

    [Fact]
    public void Decode_TooLargeInput_TooLarge()
    {
        Assert.Equal(DecodeErrorCode.TooLarge, Delta.Decode(new byte[FederationLimits.MaxDeltaBytes + 1]).Error!.Code);
    }

    [Fact]
    public void Create_EntriesOutOfOrder_Throws()
    {
        var entries = Samples.Entries().Reverse().ToList();
        Assert.Throws<ArgumentException>(() => SiteDelta.Create("r0", "site-a", 1, 1, 4, new byte[32], entries));
    }

    [Fact]
    public void Create_EntryOutsideRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => SiteDelta.Create("r0", "site-a", 1, 2, 4, new byte[32], Samples.Entries()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(300)]
    public void Encode_EntriesSplicedAfterTheHeader_SameBytesAsACborWriterWritesThem(int count)
    {
        // The encoder splices the entries' cached bytes behind an array head it writes itself; a CBOR writer in the
        // canonical mode, writing every entry afresh, must produce exactly the same bytes (array heads of 1, 2 and 3 bytes).
        var entries = new List<DataEntry>();
        for (int i = 1; i <= count; i++)
        {
            var stamp = new HlcTimestamp(Samples.T1.WallMs + i, 0);
            entries.Add(new DataEntry((ulong)i, stamp, [Operation.Put("k" + i, [(byte)i, 1, 2], stamp, "n1")]));
        }

        SiteDelta delta = SiteDelta.Create("r0", Samples.Site, Samples.Epoch, 1, (ulong)count, ChainHash.Genesis(Samples.Site, Samples.Epoch), entries);
        byte[] spliced = delta.Encode();

        var r = new CborReader(spliced, CborConformanceMode.Ctap2Canonical);
        var w = new CborWriter(CborConformanceMode.Ctap2Canonical);
        int fields = r.ReadStartMap()!.Value;
        w.WriteStartMap(fields);
        for (int f = 0; f < fields; f++)
        {
            ulong key = r.ReadUInt64();
            w.WriteUInt64(key);
            if (key != 11)
            {
                w.WriteEncodedValue(r.ReadEncodedValue().Span);
                continue;
            }

            Assert.Equal(count, r.ReadStartArray());
            w.WriteStartArray(count);
            foreach (DataEntry e in delta.Entries)
            {
                r.SkipValue();
                w.WriteEncodedValue(EntryCodec.Encode(e));
            }

            r.ReadEndArray();
            w.WriteEndArray();
        }

        r.ReadEndMap();
        w.WriteEndMap();
        Assert.Equal(w.Encode(), spliced);
        Assert.Equal(spliced, Assert.IsType<SiteDelta>(Delta.Decode(spliced).Value).Encode());
    }

    [Fact]
    public void Decode_EntryWithUnsortedTags_MalformedNotCanonical()
    {
        // A set remove whose tags arrive unsorted reads as the same operation (the tags are sorted on construction)
        // but is not the one canonical encoding of it: the decoder must refuse it, not hash or merge it.
        var a = new SetTag(Samples.Site, "n1", Samples.T1);
        var b = new SetTag(Samples.Site, "n2", Samples.T1);
        var entry = new DataEntry(1, Samples.T2, [Operation.SetRemove("s", "e", [a, b], Samples.T2, "n1")]);
        byte[] bytes = SiteDelta.Create("r0", Samples.Site, Samples.Epoch, 1, 1, ChainHash.Genesis(Samples.Site, Samples.Epoch), [entry]).Encode();
        byte[] ta = TagBytes(a);
        byte[] tb = TagBytes(b);
        int at = bytes.AsSpan().IndexOf([.. ta, .. tb]);
        Assert.True(at > 0, "the sorted tag pair is in the encoding");
        tb.CopyTo(bytes, at);
        ta.CopyTo(bytes, at + tb.Length);

        DecodeResult<Delta> r = Delta.Decode(bytes);
        Assert.False(r.IsSuccess);
        Assert.Equal(DecodeErrorCode.Malformed, r.Error!.Code);
        Assert.Contains("entry 1: not in canonical form", r.Error.Message);
    }

    private static byte[] TagBytes(SetTag tag)
    {
        var w = new CborWriter(CborConformanceMode.Ctap2Canonical);
        EntryCodec.WriteTag(w, tag);
        return w.Encode();
    }

    [Fact]
    public void Decode_MutatedInputs_OnlyDecodeErrors()
    {
        const int seed = 20261126;
        byte[][] corpus = [Samples.Delta().Encode(), Samples.Delta(1).Encode(), Samples.Checkpoint().Encode(), Samples.Checkpoint(1).Encode(), Samples.DeltaTail().Encode()];
        int accepted = Fuzz.Run(seed, 20_000, corpus, b =>
        {
            DecodeResult<Delta> r = Delta.Decode(b);
            Assert.True(r.IsSuccess || r.Error!.Message.Length > 0);
            return r.IsSuccess;
        });

        // Most mutants must be refused; the few accepted are canonical encodings of other valid deltas.
        Assert.True(accepted < 2_000, $"fuzz seed {seed}: {accepted} mutants accepted");
    }
}
