namespace Grey.Federation.Clock;

/// <summary>
/// What a clock reports after it took in a stamp from elsewhere.
/// </summary>
/// <param name="Stamp">The clock's stamp after the update (for <see cref="HybridLogicalClock.Receive"/>, the stamp of the receive event).</param>
/// <param name="Ahead">How far the observed stamp's wall time was ahead of the local physical clock (zero when behind).</param>
/// <param name="DriftExceeded">Whether <paramref name="Ahead"/> is beyond <see cref="HlcOptions.MaxDrift"/>; report it, never refuse.</param>
public readonly record struct HlcUpdate(HlcTimestamp Stamp, TimeSpan Ahead, bool DriftExceeded);
