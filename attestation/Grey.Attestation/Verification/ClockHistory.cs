using Grey.Attestation.Tpm;

namespace Grey.Attestation.Verification;

/// <summary>
/// The last accepted TPM clock of each node. Within one boot (same reset count) the clock and the restart
/// count may only rise and <c>safe</c> must be 1; a higher reset count is a reboot, reported, and the only
/// case where <c>safe</c> = 0 (an unclean shutdown, the clock possibly behind) is accepted.
/// </summary>
public sealed class ClockHistory
{
    /// <summary>Nodes remembered; a registrar bounds the node count well below this.</summary>
    public const int MaxNodes = 1_000_000;

    private readonly Dictionary<string, TpmsClockInfo> _last = new(StringComparer.Ordinal);

    public bool TryGetLast(string nodeId, out TpmsClockInfo clock) => _last.TryGetValue(nodeId, out clock);

    /// <summary>Judges a new clock against the last accepted one, without recording it.</summary>
    public VerificationOutcome? Check(string nodeId, TpmsClockInfo clock, out bool reboot, out bool unclean, out bool restart)
    {
        reboot = unclean = restart = false;
        if (!_last.TryGetValue(nodeId, out TpmsClockInfo prev))
        {
            return null;
        }

        if (clock.ResetCount < prev.ResetCount)
        {
            return VerificationOutcome.Fail(ReasonCode.CounterWentBack, $"reset count {clock.ResetCount} below the last seen {prev.ResetCount}");
        }

        if (clock.ResetCount > prev.ResetCount)
        {
            reboot = true;
            unclean = !clock.Safe;
            return null;
        }

        if (clock.RestartCount < prev.RestartCount)
        {
            return VerificationOutcome.Fail(ReasonCode.CounterWentBack, $"restart count {clock.RestartCount} below the last seen {prev.RestartCount} within one boot");
        }

        // After an unclean reset a TPM keeps reporting safe = 0 until it next saves its clock to NV (about an hour on
        // real parts); that boot was already reported as unclean. Within it, what matters is that the clock never goes
        // back from what this verifier saw, checked below. Only a boot that was safe turning unsafe is refused.
        if (!clock.Safe && prev.Safe)
        {
            return VerificationOutcome.Fail(ReasonCode.ClockUnsafe, "safe went from 1 to 0 without a reset: the TPM clock may have gone back");
        }

        if (clock.Clock < prev.Clock)
        {
            return VerificationOutcome.Fail(ReasonCode.ClockWentBack, $"clock {clock.Clock} ms below the last seen {prev.Clock} ms within one boot");
        }

        restart = clock.RestartCount > prev.RestartCount;
        return null;
    }

    public void Record(string nodeId, TpmsClockInfo clock)
    {
        if (_last.Count >= MaxNodes && !_last.ContainsKey(nodeId))
        {
            throw new InvalidOperationException($"clock history holds {MaxNodes} nodes");
        }

        _last[nodeId] = clock;
    }
}
