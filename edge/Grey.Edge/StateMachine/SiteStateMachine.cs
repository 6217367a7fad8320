using System.Runtime.InteropServices;
using Grey.Federation.Chain;
using Grey.Federation.Clock;
using Grey.Federation.Identifiers;
using Grey.Federation.Operations;
using Grey.Raft;

namespace Grey.Edge.StateMachine;

/// <summary>
/// The site's replicated state: keys holding values, counters or sets, each with a revision; the site's epoch
/// and chain hash; the members' API addresses. It is a pure function of the committed log: every replica
/// applying the same entries holds the same state, decides every precondition alike and reaches the same
/// chain hash. Not thread-safe: the node applies and reads on its own loop, or under its lock.
/// </summary>
internal sealed partial class SiteStateMachine
{
    private readonly SortedDictionary<string, KeyRecord> keys = new(StringComparer.Ordinal);
    private readonly SortedDictionary<ulong, string> memberApis = [];
    private readonly SortedDictionary<ulong, string> memberPeers = [];
    private byte[]? chain;

    public SiteStateMachine(string site)
    {
        Site = FederationId.Require(site, nameof(site));
    }

    /// <summary>The site id.</summary>
    public string Site { get; }

    /// <summary>The site's epoch, once its record is applied.</summary>
    public ulong? Epoch { get; private set; }

    /// <summary>The chain hash after every applied data entry (h_0 once the epoch is known; empty before).</summary>
    public ReadOnlyMemory<byte> ChainHash => chain ?? [];

    /// <summary>The index of the last applied entry.</summary>
    public ulong AppliedIndex { get; private set; }

    /// <summary>The highest HLC stamp of any applied command (a new leader moves its clock past it).</summary>
    public HlcTimestamp LastStamp { get; private set; }

    /// <summary>Data entries that advanced the chain.</summary>
    public ulong ChainedEntries { get; private set; }

    /// <summary>Number of keys held.</summary>
    public int KeyCount => keys.Count;

    /// <summary>API addresses published by members (node id to address).</summary>
    public IReadOnlyDictionary<ulong, string> MemberApis => memberApis;

    /// <summary>Peer addresses of members added at run time (node id to HOST:PORT).</summary>
    public IReadOnlyDictionary<ulong, string> MemberPeers => memberPeers;

    /// <summary>Applies a committed entry of any kind and returns the command's outcome for data entries.</summary>
    /// <exception cref="InvalidOperationException">Entries out of order, or an undecodable committed entry (the log is broken).</exception>
    public CommandOutcome? Apply(Entry entry) => Apply(entry, out _);

    /// <summary>As <see cref="Apply(Entry)"/>, also giving the decoded command of a data entry.</summary>
    public CommandOutcome? Apply(Entry entry, out Command? command)
    {
        command = null;
        if (entry.Index <= AppliedIndex)
        {
            throw new InvalidOperationException($"entry {entry.Index} applied again after {AppliedIndex}");
        }

        AppliedIndex = entry.Index;
        switch (entry.Kind)
        {
            case EntryKind.Data:
                if (!CommandCodec.TryDecode(entry.Data.Span, out command, out var error))
                {
                    throw new InvalidOperationException($"committed data entry {entry.Index} does not decode: {error}");
                }

                return ApplyCommand(entry.Index, command);
            case EntryKind.Record:
                if (!SiteRecordCodec.TryDecode(entry.Data.Span, out var record, out var recordError))
                {
                    throw new InvalidOperationException($"committed record {entry.Index} does not decode: {recordError}");
                }

                ApplyRecord(record);
                return null;
            default:
                return null;
        }
    }

    /// <summary>The value, revision and type of <paramref name="key"/>, or null when absent.</summary>
    public KeyRecord? Find(string key) => keys.GetValueOrDefault(key);

    /// <summary>The revision of <paramref name="key"/> (0 when absent).</summary>
    public ulong RevisionOf(string key) => keys.TryGetValue(key, out var k) ? k.Revision : 0;

    /// <summary>Keys starting with <paramref name="prefix"/> in ordinal order, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<(string Key, KeyRecord Record)> List(string prefix, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var result = new List<(string, KeyRecord)>();
        foreach (var (key, record) in keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                result.Add((key, record));
                if (result.Count == limit)
                {
                    break;
                }
            }
        }

        return result;
    }

    private void ApplyRecord(SiteRecord record)
    {
        switch (record.Kind)
        {
            case SiteRecordKind.Epoch when Epoch is null:
                // Only the first epoch record counts: a second leader that proposed one before learning of the
                // first is ignored by every replica alike.
                Epoch = record.Epoch;
                chain = Grey.Federation.Chain.ChainHash.Genesis(Site, record.Epoch);
                break;
            case SiteRecordKind.MemberApi:
                memberApis[record.NodeId] = record.ApiAddress;
                break;
            case SiteRecordKind.MemberPeer:
                memberPeers[record.NodeId] = record.PeerAddress;
                break;
            case SiteRecordKind.RegionAck:
                ApplyRegionAck(record);
                break;
        }
    }

    private CommandOutcome ApplyCommand(ulong index, Command command)
    {
        if (command.Stamp > LastStamp)
        {
            LastStamp = command.Stamp;
        }

        if (Epoch is null)
        {
            return new CommandOutcome(CommandStatus.NoEpoch, 0, Index: index);
        }

        if (command.Kind == CommandKind.Desired)
        {
            return ApplyDesired(index, command);
        }

        if (KeyNames.IsDesired(command.Key))
        {
            // DESIGN G6: desired/... keys are written only by the cloud through desired-state changes, which
            // carry a desired reference; plain commands never do.
            return new CommandOutcome(CommandStatus.Forbidden, RevisionOf(command.Key), Index: index);
        }

        keys.TryGetValue(command.Key, out var current);
        var revision = current?.Revision ?? 0;
        var conditionHolds = command.Condition switch
        {
            CommandCondition.IfRevision => revision == command.ExpectedRevision,
            CommandCondition.IfAbsent => current is null,
            _ => true,
        };
        if (!conditionHolds)
        {
            return new CommandOutcome(CommandStatus.PreconditionFailed, revision, Index: index);
        }

        var wanted = command.Kind switch
        {
            CommandKind.Put => KeyType.Value,
            CommandKind.CounterAdd => KeyType.Counter,
            CommandKind.SetAdd or CommandKind.SetRemove => KeyType.Set,
            _ => current?.Type ?? KeyType.Value,
        };
        if (current is not null && current.Type != wanted)
        {
            return new CommandOutcome(CommandStatus.WrongType, revision, Index: index);
        }

        Operation? op = null;
        switch (command.Kind)
        {
            case CommandKind.Put:
                current ??= Add(command.Key, KeyType.Value);
                current.Value = OwnedValue(command.Value);
                current.Revision++;
                op = Operation.Put(command.Key, command.Value.Span, command.Stamp, command.Origin);
                break;
            case CommandKind.Delete:
                if (current is null)
                {
                    return new CommandOutcome(CommandStatus.NotFound, 0, Index: index);
                }

                keys.Remove(command.Key);
                op = Operation.Delete(command.Key, command.Stamp, command.Origin);
                Chain(index, command.Stamp, op);
                return new CommandOutcome(CommandStatus.Ok, 0, Index: index);
            case CommandKind.CounterAdd:
                {
                    var value = current?.Counter ?? 0;
                    long next;
                    try
                    {
                        next = checked(value + command.Amount);
                    }
                    catch (OverflowException)
                    {
                        return new CommandOutcome(CommandStatus.Overflow, revision, value, index);
                    }

                    if (command.Amount == 0)
                    {
                        // Adding nothing changes nothing: no revision, no chain entry (the federation refuses amount 0).
                        return new CommandOutcome(CommandStatus.Ok, revision, value, index);
                    }

                    current ??= Add(command.Key, KeyType.Counter);
                    current.Counter = next;
                    current.Revision++;
                    op = Operation.CounterAdd(command.Key, command.Amount, command.Stamp, command.Origin);
                    Chain(index, command.Stamp, op);
                    return new CommandOutcome(CommandStatus.Ok, current.Revision, next, index);
                }

            case CommandKind.SetAdd:
                if (current is not null && current.Members.ContainsKey(command.Element))
                {
                    return new CommandOutcome(CommandStatus.Ok, revision, Index: index);
                }

                current ??= Add(command.Key, KeyType.Set);
                current.Members[command.Element] = new SetTag(Site, command.Origin, command.Stamp);
                current.Revision++;
                op = Operation.SetAdd(command.Key, command.Element, command.Stamp, command.Origin);
                break;
            case CommandKind.SetRemove:
                if (current is null || !current.Members.Remove(command.Element, out var tag))
                {
                    return new CommandOutcome(CommandStatus.Ok, revision, Index: index);
                }

                op = Operation.SetRemove(command.Key, command.Element, [tag], command.Stamp, command.Origin);
                if (current.Members.Count == 0)
                {
                    // An empty set is an absent key (revision 0), as a deleted value is.
                    keys.Remove(command.Key);
                    Chain(index, command.Stamp, op);
                    return new CommandOutcome(CommandStatus.Ok, 0, Index: index);
                }

                current.Revision++;
                break;
        }

        Chain(index, command.Stamp, op!);
        return new CommandOutcome(CommandStatus.Ok, current!.Revision, Index: index);
    }

    /// <summary>
    /// The value as an array the state may keep. A command applied from the log was decoded into an array of its own
    /// (<see cref="CommandCodec.TryDecode"/>), which nothing else writes to, so it is kept as is instead of copied
    /// once more per write; any other memory is copied.
    /// </summary>
    private static byte[] OwnedValue(ReadOnlyMemory<byte> value) =>
        MemoryMarshal.TryGetArray(value, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : value.ToArray();

    private KeyRecord Add(string key, KeyType type)
    {
        var record = new KeyRecord(type);
        keys.Add(key, record);
        return record;
    }

    private void Chain(ulong index, HlcTimestamp stamp, Operation op, Grey.Federation.Merge.IDesiredChangeLedger? ledger = null)
    {
        var entry = new DataEntry(index, stamp, [op]);
        chain = Grey.Federation.Chain.ChainHash.Next(chain, entry);
        ChainedEntries++;
        LastChained = entry;
        TrackSiteState(entry, ledger ?? Grey.Federation.Merge.DesiredChangeLedger.Empty);
    }
}
