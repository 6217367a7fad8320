namespace Grey.Federation.Clock;

/// <summary>Options of a <see cref="HybridLogicalClock"/>.</summary>
public sealed record HlcOptions
{
    /// <summary>
    /// How far a stamp may run ahead of the local physical clock before it is reported as drift. Default
    /// 500 ms. Drift is reported, never refused: a committed entry can never be stamped again.
    /// </summary>
    public TimeSpan MaxDrift { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Returns every problem with these options at once (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxDrift <= TimeSpan.Zero)
        {
            errors.Add($"MaxDrift must be positive, was {MaxDrift}");
        }

        return errors;
    }
}
