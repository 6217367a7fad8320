using Grey.Federation.Encoding;
using Grey.Federation.Messages;
using Grey.Federation.State;
using Grey.Federation.Tests.Support;

namespace Grey.Federation.Tests.Messages;

public sealed class RegionDeltaTests
{
    [Fact]
    public void Decode_Encoded_SameBytesAndStateHash()
    {
        RegionState s = Samples.RegionStateWithProgress();
        byte[] bytes = new RegionDelta("r1", s).Encode();
        DecodeResult<RegionDelta> r = RegionDelta.Decode(bytes);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        Assert.Equal("r1", r.Value.Region);
        Assert.Equal(s.ComputeHash(), r.Value.State.ComputeHash());
        Assert.Equal(bytes, r.Value.Encode());
    }

    [Fact]
    public void Decode_DeltaBytes_WrongMessageType() =>
        Assert.Equal(DecodeErrorCode.WrongMessageType, RegionDelta.Decode(Samples.Delta().Encode()).Error!.Code);

    [Fact]
    public void Decode_MutatedRegionDeltas_OnlyDecodeErrors()
    {
        const int seed = 77;
        byte[][] corpus = [new RegionDelta("r1", Samples.RegionStateWithProgress()).Encode(), new RegionDelta("r2", new RegionState()).Encode()];
        Fuzz.Run(seed, 20_000, corpus, b => RegionDelta.Decode(b).IsSuccess);
    }
}
