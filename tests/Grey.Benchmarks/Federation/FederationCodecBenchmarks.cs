using BenchmarkDotNet.Attributes;
using Grey.Federation.Deltas;
using Grey.Federation.Encoding;

namespace Grey.Benchmarks.Federation;

/// <summary>Canonical encode and strict decode (which re-encodes to check canonical form) of a site delta of Batch puts.</summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class FederationCodecBenchmarks
{
    private SiteDelta _delta = null!;
    private byte[] _bytes = [];

    [Params(1, 16, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _delta = FederationBenchData.Delta(Batch);
        _bytes = _delta.Encode();
    }

    [Benchmark]
    public int Encode() => _delta.Encode().Length;

    [Benchmark]
    public int Decode()
    {
        DecodeResult<Delta> r = Delta.Decode(_bytes);
        return r.IsSuccess ? (int)r.Value.LastIndex : -1;
    }
}
