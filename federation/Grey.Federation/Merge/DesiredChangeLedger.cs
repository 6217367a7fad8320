using Grey.Federation.Messages;

namespace Grey.Federation.Merge;

/// <summary>An in-memory <see cref="IDesiredChangeLedger"/> holding at most <see cref="MaxChanges"/> changes.</summary>
public sealed class DesiredChangeLedger : IDesiredChangeLedger
{
    /// <summary>The most changes one ledger holds; a region compacts applied changes long before this.</summary>
    public const int MaxChanges = 1_000_000;

    private readonly Dictionary<(string Region, string Site, ulong Sequence), DesiredChange> _changes = [];

    /// <summary>A ledger that knows no change (every desired write is then skipped); it cannot be added to.</summary>
    public static IDesiredChangeLedger Empty { get; } = new EmptyLedger();

    /// <summary>Number of changes held.</summary>
    public int Count => _changes.Count;

    /// <summary>Records an issued change. Throws when full, or when another change has the same region, site and sequence.</summary>
    public void Add(DesiredChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_changes.TryGetValue((change.Region, change.Site, change.Sequence), out DesiredChange? existing))
        {
            if (!existing.Digest.SequenceEqual(change.Digest))
            {
                throw new InvalidOperationException($"region {change.Region} issued two changes for site {change.Site} with sequence {change.Sequence}");
            }

            return;
        }

        if (_changes.Count >= MaxChanges)
        {
            throw new InvalidOperationException($"desired-change ledger full ({MaxChanges} changes)");
        }

        _changes.Add((change.Region, change.Site, change.Sequence), change);
    }

    /// <inheritdoc />
    public DesiredChange? Find(string region, string site, ulong sequence) => _changes.GetValueOrDefault((region, site, sequence));

    private sealed class EmptyLedger : IDesiredChangeLedger
    {
        public DesiredChange? Find(string region, string site, ulong sequence) => null;
    }
}
