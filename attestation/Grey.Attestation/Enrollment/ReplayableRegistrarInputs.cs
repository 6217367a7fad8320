using Grey.Attestation.Randomness;

namespace Grey.Attestation.Enrollment;

/// <summary>
/// The clock and random source the service gives its <see cref="Registration.Registrar"/>. The registrar has
/// no export, so a restarted region rebuilds it by replaying each stored enrollment: during a replay the clock
/// reads the original enrollment time (so the EK chain is judged as it was when the node was accepted, and
/// the record keeps its enrollment time) and the random source yields zeros (so the credential is known and
/// the replayed challenge can be completed without the TPM). Outside a replay both pass through.
/// </summary>
internal sealed class ReplayableRegistrarInputs(TimeProvider time, IRandomSource random)
{
    private DateTimeOffset? _replayAt;

    public TimeProvider Time { get; } = new ReplayClock(time, () => null);

    public IRandomSource Random { get; } = new ReplayRandom(random);

    public ReplayableRegistrarInputs Initialize()
    {
        ((ReplayClock)Time).Replay = () => _replayAt;
        ((ReplayRandom)Random).Replaying = () => _replayAt is not null;
        return this;
    }

    /// <summary>Replays one stored enrollment at its original time, inside <paramref name="action"/>.</summary>
    public T Replay<T>(DateTimeOffset enrolledAt, Func<T> action)
    {
        _replayAt = enrolledAt;
        try
        {
            return action();
        }
        finally
        {
            _replayAt = null;
        }
    }

    private sealed class ReplayClock(TimeProvider inner, Func<DateTimeOffset?> replay) : TimeProvider
    {
        public Func<DateTimeOffset?> Replay { get; set; } = replay;

        public override DateTimeOffset GetUtcNow() => Replay() ?? inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;
    }

    private sealed class ReplayRandom(IRandomSource inner) : IRandomSource
    {
        public Func<bool> Replaying { get; set; } = () => false;

        public void Fill(Span<byte> destination)
        {
            if (Replaying())
            {
                destination.Clear();
            }
            else
            {
                inner.Fill(destination);
            }
        }
    }
}
