using Grey.Federation.Encoding;
using Grey.Federation.State;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Encoding;

public sealed class StateCodecTests
{
    [Fact]
    public void Decode_EncodedState_RoundTripsToSameBytesAndHash()
    {
        RegionState s = Samples.RegionStateWithProgress();
        byte[] bytes = StateCodec.Encode(s);
        DecodeResult<RegionState> r = StateCodec.Decode(bytes, FederationLimits.MaxRegionStateBytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        Assert.Equal(bytes, StateCodec.Encode(r.Value));
        Assert.Equal(s.ComputeHash(), r.Value.ComputeHash());
    }

    [Fact]
    public void Decode_DuplicatedRegisterRow_NotCanonical()
    {
        var s = new RegionState();
        s.Apply("site-a", 1, Grey.Federation.Operations.Operation.Put("k", [1], new(5, 0), "n1"));
        byte[] bytes = StateCodec.Encode(s);

        // A4 00 81 <row> 01 80 02 80 03 80: one register row, then empty counters, sets and progress.
        Assert.Equal([0xA4, 0x00, 0x81], bytes[..3]);
        byte[] row = bytes[3..^6];
        byte[] dup = [0xA4, 0x00, 0x82, .. row, .. row, .. bytes[^6..]];
        DecodeResult<RegionState> r = StateCodec.Decode(dup, FederationLimits.MaxRegionStateBytes);
        Assert.False(r.IsSuccess);
        Assert.Contains("canonical", r.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RowOfWrongLength_MalformedNotTooLarge()
    {
        var w = new System.Formats.Cbor.CborWriter(System.Formats.Cbor.CborConformanceMode.Ctap2Canonical);
        w.WriteStartMap(4);
        w.WriteUInt32(0);
        w.WriteStartArray(1);
        w.WriteStartArray(8);
        for (int i = 0; i < 8; i++)
        {
            w.WriteUInt32(0);
        }

        w.WriteEndArray();
        w.WriteEndArray();
        foreach (uint k in new uint[] { 1, 2, 3 })
        {
            w.WriteUInt32(k);
            w.WriteStartArray(0);
            w.WriteEndArray();
        }

        w.WriteEndMap();
        DecodeResult<RegionState> r = StateCodec.Decode(w.Encode(), FederationLimits.MaxRegionStateBytes);
        Assert.Equal(DecodeErrorCode.Malformed, r.Error!.Code);
    }
}
