using Grey.Attestation.Verification;

namespace Grey.Benchmarks.Attestation;

/// <summary>Inputs of the attestation benchmarks: the genuine swtpm quotes recorded with the unit tests.</summary>
internal static class AttestationBenchData
{
    public static (QuoteEvidence Evidence, byte[] Nonce) SwtpmVector(string name)
    {
        string dir = Path.Combine(RepositoryRoot(), "tests", "Grey.Attestation.Tests", "testdata", name);
        byte[] Read(string f) => File.ReadAllBytes(Path.Combine(dir, f));
        var evidence = new QuoteEvidence(Read("quote.msg"), Read("quote.sig"), Read("ak.pub"), Read("quote.pcrs"), []);
        return (evidence, Convert.FromHexString(File.ReadAllText(Path.Combine(dir, "nonce.hex")).Trim()));
    }

    private static string RepositoryRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "Grey.slnx")))
                {
                    return d.FullName;
                }
            }
        }

        throw new InvalidOperationException("run the benchmarks from inside the repository (Grey.slnx not found)");
    }
}

/// <summary>A clock the benchmark moves by hand, so nonces never expire mid-run and TPM clocks rise.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _now.UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => _now += by;
}
