namespace Grey.Attestation.Randomness;

/// <summary>
/// A replayable source for the simulator and tests: one seed gives the same bytes every run. Never use it
/// where an attacker must not predict the bytes.
/// </summary>
public sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
