using Grey.Federation.Operations;

namespace Grey.Edge.StateMachine;

/// <summary>
/// One key of the site's state. A key holds exactly one type; its revision counts the changes since it was
/// created (absent = 0, so a key deleted and created again starts over at 1).
/// </summary>
internal sealed class KeyRecord
{
    public KeyRecord(KeyType type) => Type = type;

    /// <summary>What the key holds.</summary>
    public KeyType Type { get; }

    /// <summary>Changes since creation (at least 1 while present).</summary>
    public ulong Revision { get; set; }

    /// <summary>The value of a <see cref="KeyType.Value"/> key.</summary>
    public byte[] Value { get; set; } = [];

    /// <summary>The value of a <see cref="KeyType.Counter"/> key.</summary>
    public long Counter { get; set; }

    /// <summary>
    /// The members of a <see cref="KeyType.Set"/> key with the tag of the add that created each one. The site is
    /// linearizable, so one tag per member suffices: adding a present member changes nothing, and a remove names
    /// that tag (the observed-remove operation the cloud merges).
    /// </summary>
    public SortedDictionary<string, SetTag> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>A copy sharing the value array (never written into) but not the members.</summary>
    public KeyRecord Copy()
    {
        var copy = new KeyRecord(Type) { Revision = Revision, Value = Value, Counter = Counter };
        foreach (var (member, tag) in Members)
        {
            copy.Members.Add(member, tag);
        }

        return copy;
    }
}
