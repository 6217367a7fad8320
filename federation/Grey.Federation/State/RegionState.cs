using System.Runtime.InteropServices;
using Grey.Federation.Identifiers;
using Grey.Federation.Operations;

namespace Grey.Federation.State;

/// <summary>
/// The merged, replicated state of a region, as conflict-free replicated data: last-writer-wins registers
/// (tombstones included), PN-counters with one slot per (site, epoch, node), observed-remove sets, and per
/// site and epoch the highest merged index with its chain hash. It holds no local bookkeeping (held gaps,
/// quarantine, event counters, times), so two regions that merged the same deltas hold equal states with
/// equal <see cref="ComputeHash"/>. A site's checkpoint carries one of these with only that site's data.
/// Not thread-safe: one writer at a time.
/// </summary>
public sealed partial class RegionState
{
    private readonly Dictionary<StateKey, Register> _registers = [];
    private readonly Dictionary<StateKey, Dictionary<CounterSlot, PnTotals>> _counters = [];
    private readonly Dictionary<StateKey, Dictionary<string, SetElementState>> _sets = [];
    private readonly Dictionary<(string Site, ulong Epoch), SiteProgress> _progress = [];
    private ChangeSet? _changes;

    /// <summary>Number of registers (tombstones included).</summary>
    public int RegisterCount => _registers.Count;

    /// <summary>Number of counters.</summary>
    public int CounterCount => _counters.Count;

    /// <summary>Number of sets.</summary>
    public int SetCount => _sets.Count;

    /// <summary>The progress rows, ordered by site then epoch.</summary>
    public IReadOnlyList<SiteProgress> Progress =>
        [.. _progress.Values.OrderBy(p => p.Site, StringComparer.Ordinal).ThenBy(p => p.Epoch)];

    internal IReadOnlyDictionary<StateKey, Register> Registers => _registers;

    internal IReadOnlyDictionary<StateKey, Dictionary<CounterSlot, PnTotals>> Counters => _counters;

    internal IReadOnlyDictionary<StateKey, Dictionary<string, SetElementState>> Sets => _sets;

    /// <summary>Whether the state holds nothing at all.</summary>
    public bool IsEmpty => _registers.Count == 0 && _counters.Count == 0 && _sets.Count == 0 && _progress.Count == 0;

    /// <summary>The register of a key in a scope (a site id, or <see cref="KeyNames.SharedScope"/>), tombstones included.</summary>
    public bool TryGetRegister(string scope, string key, out Register register) =>
        _registers.TryGetValue(new StateKey(scope, key), out register);

    /// <summary>The value of a counter (zero when absent), clamped to the range of <see cref="long"/>.</summary>
    public long GetCounterValue(string scope, string key)
    {
        if (!_counters.TryGetValue(new StateKey(scope, key), out var slots))
        {
            return 0;
        }

        Int128 sum = 0;
        foreach (PnTotals t in slots.Values)
        {
            sum += (Int128)t.Increments - t.Decrements;
        }

        return (long)Int128.Clamp(sum, long.MinValue, long.MaxValue);
    }

    /// <summary>The elements present in a set, in ordinal order.</summary>
    public IReadOnlyList<string> GetSetElements(string scope, string key)
    {
        if (!_sets.TryGetValue(new StateKey(scope, key), out var elements))
        {
            return [];
        }

        return [.. elements.Where(e => e.Value.IsPresent).Select(e => e.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>The add tags of an element that are not removed: what a site names when it removes the element.</summary>
    public IReadOnlyList<SetTag> GetLiveTags(string scope, string key, string element)
    {
        if (!_sets.TryGetValue(new StateKey(scope, key), out var elements) || !elements.TryGetValue(element, out var state))
        {
            return [];
        }

        return [.. state.Adds.Where(t => !state.Removes.Contains(t))];
    }

    /// <summary>How far this state has merged a site epoch.</summary>
    public bool TryGetProgress(string site, ulong epoch, out SiteProgress progress) =>
        _progress.TryGetValue((site, epoch), out progress!);

    /// <summary>A deep copy.</summary>
    public RegionState Clone() => new(this);

    // A copy by structure rather than by joining into an empty state: the edge takes one on its node loop for every
    // snapshot, and a join re-decides every register and set on the way. Registers (readonly structs) and progress
    // entries (immutable) are shared; counter slots and set elements are mutable and copied.
    private RegionState(RegionState source)
    {
        _registers = new Dictionary<StateKey, Register>(source._registers);
        _counters = new Dictionary<StateKey, Dictionary<CounterSlot, PnTotals>>(source._counters.Count);
        foreach (var (sk, slots) in source._counters)
        {
            _counters.Add(sk, new Dictionary<CounterSlot, PnTotals>(slots));
        }

        _sets = new Dictionary<StateKey, Dictionary<string, SetElementState>>(source._sets.Count);
        foreach (var (sk, elements) in source._sets)
        {
            var copy = new Dictionary<string, SetElementState>(elements.Count, elements.Comparer);
            foreach (var (element, state) in elements)
            {
                copy.Add(element, state.Clone());
            }

            _sets.Add(sk, copy);
        }

        _progress = new Dictionary<(string Site, ulong Epoch), SiteProgress>(source._progress);
    }

    /// <summary>An empty state.</summary>
    public RegionState()
    {
    }

    /// <summary>
    /// Applies one operation of <paramref name="site"/>'s log in <paramref name="epoch"/>, without any
    /// ownership check (the caller made it). Returns whether it resolved a conflict: a register write that
    /// met a write of another origin.
    /// </summary>
    internal bool Apply(string site, ulong epoch, Operation op)
    {
        var sk = new StateKey(KeyNames.ScopeOf(site, op.Key), op.Key);
        switch (op.Kind)
        {
            case OperationKind.Put:
            case OperationKind.Delete:
                byte[]? value = op.Kind == OperationKind.Put ? op.RawValue : null;
                return WriteRegister(sk, new Register(op.Stamp, site, op.Origin, value, op.Desired));
            case OperationKind.CounterAdd:
                var slots = GetOrAdd(_counters, sk);
                var slot = new CounterSlot(site, epoch, op.Origin);
                slots[slot] = slots.GetValueOrDefault(slot).Add(op.Amount);
                _changes?.Counters.Add(sk);
                return false;
            case OperationKind.SetAdd:
                GetOrAddElement(sk, op.Element).Adds.Add(new SetTag(site, op.Origin, op.Stamp));
                return false;
            case OperationKind.SetRemove:
                GetOrAddElement(sk, op.Element).Removes.UnionWith(op.Tags);
                return false;
            default:
                throw new InvalidOperationException($"unknown operation kind {op.Kind}");
        }
    }

    /// <summary>Writes a register if it wins; returns whether it met a write of another origin.</summary>
    internal bool WriteRegister(StateKey sk, Register incoming)
    {
        // One hash lookup per write: this is the hot path of merging last-writer-wins puts.
        ref Register slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_registers, sk, out bool exists);
        if (!exists)
        {
            slot = incoming;
            _changes?.Registers.Add(sk);
            return false;
        }

        bool conflict = !slot.SameOrigin(incoming);
        if (Register.Compare(incoming, slot) > 0)
        {
            slot = incoming;
            _changes?.Registers.Add(sk);
        }

        return conflict;
    }

    internal void AddCounterTotals(StateKey sk, CounterSlot slot, PnTotals totals)
    {
        var slots = GetOrAdd(_counters, sk);
        bool had = slots.TryGetValue(slot, out PnTotals mine);
        PnTotals joined = had ? PnTotals.Join(mine, totals) : totals;
        if (!had || joined != mine)
        {
            slots[slot] = joined;
            _changes?.Counters.Add(sk);
        }
    }

    internal SetElementState GetOrAddElement(StateKey sk, string element)
    {
        // Every caller but the join changes the element it asked for, so asking counts as a change (the join,
        // which must not report what changed nothing, uses GetOrAddElementUntracked and reports itself).
        _changes?.Sets.Add(sk);
        return GetOrAddElementUntracked(sk, element);
    }

    private SetElementState GetOrAddElementUntracked(StateKey sk, string element)
    {
        var elements = GetOrAdd(_sets, sk);
        if (!elements.TryGetValue(element, out SetElementState? state))
        {
            state = new SetElementState();
            elements.Add(element, state);
        }

        return state;
    }

    /// <summary>Removes an element left without tags (every item of it was refused), so it cannot show in the hash.</summary>
    internal void RemoveEmptyElement(StateKey sk, string element)
    {
        if (_sets.TryGetValue(sk, out var elements) && elements.TryGetValue(element, out var state)
            && state.Adds.Count == 0 && state.Removes.Count == 0)
        {
            elements.Remove(element);
            _changes?.Sets.Add(sk);
            if (elements.Count == 0)
            {
                _sets.Remove(sk);
            }
        }
    }

    /// <summary>
    /// Records progress for a site epoch if it is further than what is recorded. Equal indexes with different
    /// hashes mean two different logs claimed one epoch (impossible for an honest site); the larger hash wins
    /// so every region still decides the same way.
    /// </summary>
    internal void AdvanceProgress(string site, ulong epoch, ulong index, byte[] chainHash)
    {
        if (_progress.TryGetValue((site, epoch), out SiteProgress? mine))
        {
            int c = index.CompareTo(mine.MergedIndex);
            if (c < 0 || (c == 0 && chainHash.AsSpan().SequenceCompareTo(mine.RawChainHash) <= 0))
            {
                return;
            }
        }

        _progress[(site, epoch)] = new SiteProgress(site, epoch, index, chainHash);
        _changes?.Progress.Add((site, epoch));
    }

    private static Dictionary<TKey, TValue> GetOrAdd<TKey, TValue>(Dictionary<StateKey, Dictionary<TKey, TValue>> map, StateKey sk)
        where TKey : notnull
    {
        if (!map.TryGetValue(sk, out var inner))
        {
            inner = [];
            map.Add(sk, inner);
        }

        return inner;
    }
}
