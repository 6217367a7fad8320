using Grey.Edge.Desired;
using Grey.Federation.Messages;
using Grey.Federation.Operations;

namespace Grey.Edge.StateMachine;

/// <summary>
/// Desired-state changes (issue 7, DESIGN G7): each region's changes for this site are applied exactly once, in
/// sequence order. The mark (the highest sequence applied, per issuing region) is part of the replicated state and
/// of the snapshot, and the sequence is checked again here, at apply time, because two leaders (an old one and a
/// new one) may both propose the same change: only the first to commit applies, every replica deciding alike.
/// </summary>
internal sealed partial class SiteStateMachine
{
    /// <summary>Regions whose applied marks one state holds: a bound checked when restoring (a site has one home region, a few after moves).</summary>
    public const int MaxDesiredRegions = 1024;

    private readonly SortedDictionary<string, ulong> desiredApplied = new(StringComparer.Ordinal);

    /// <summary>The highest desired-change sequence applied per issuing region (absent: none).</summary>
    public IReadOnlyDictionary<string, ulong> DesiredApplied => desiredApplied;

    /// <summary>
    /// Test-only sabotage switch: when false, the apply-time sequence check is skipped, so a change proposed twice is
    /// applied twice. Never turned off in product code; the sabotage test shows the check is what prevents it.
    /// </summary>
    internal bool CheckDesiredSequenceAtApply { get; set; } = true;

    /// <summary>The highest sequence of <paramref name="region"/>'s changes applied (0: none).</summary>
    public ulong DesiredAppliedSequence(string region) => desiredApplied.GetValueOrDefault(region);

    private CommandOutcome ApplyDesired(ulong index, Command command)
    {
        // The codec checked that the bytes are a canonical change of this key; the leader checked the signature.
        var decoded = DesiredChange.Decode(command.Value);
        if (!decoded.IsSuccess)
        {
            throw new InvalidOperationException($"committed desired change at {index} does not decode: {decoded.Error.Message}");
        }

        var change = decoded.Value;
        if (change.Site != Site)
        {
            return new CommandOutcome(CommandStatus.Forbidden, RevisionOf(command.Key), Index: index);
        }

        var applied = DesiredAppliedSequence(change.Region);
        if (CheckDesiredSequenceAtApply && change.Sequence != applied + 1)
        {
            return new CommandOutcome(CommandStatus.DesiredOutOfOrder, RevisionOf(command.Key), Index: index);
        }

        desiredApplied[change.Region] = Math.Max(applied, change.Sequence);
        keys.TryGetValue(change.Key, out var current);
        ulong revision;
        if (change.Kind == OperationKind.Put)
        {
            current ??= Add(change.Key, KeyType.Value);
            current.Value = change.Value.ToArray();
            current.Revision++;
            revision = current.Revision;
        }
        else
        {
            keys.Remove(change.Key);
            revision = 0;
        }

        // Chained even when a delete finds nothing: the region learns that the site applied the change from the
        // operation carrying its reference, so every applied change must travel up.
        Chain(index, command.Stamp, change.ToOperation(command.Stamp, command.Origin), new AppliedChangeLedger(change));
        return new CommandOutcome(CommandStatus.Ok, revision, Index: index);
    }

    private void WriteDesiredFields(BinaryWriter w)
    {
        w.Write((uint)desiredApplied.Count);
        foreach (var (region, sequence) in desiredApplied)
        {
            WriteShort(w, region, 1);
            w.Write(sequence);
        }
    }

    private bool ReadDesiredFields(ref SpanReader r, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        var count = r.Count(10, MaxDesiredRegions);
        for (var i = 0; i < count; i++)
        {
            var region = r.Ascii(r.U8());
            var sequence = r.U64();
            if (!Grey.Federation.Identifiers.FederationId.IsValid(region) || sequence == 0 || !desiredApplied.TryAdd(region, sequence))
            {
                error = $"invalid or repeated desired-state mark at offset {r.Offset}";
                return false;
            }
        }

        error = null;
        return true;
    }
}
