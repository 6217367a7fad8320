using Grey.Federation.Clock;

namespace Grey.Federation.Operations;

/// <summary>
/// The unique tag of one set-add: the site, the node that proposed it and its HLC stamp. Stamps rise
/// strictly within a site's log, so a tag names one add; ordered ordinally by site, node, then stamp.
/// </summary>
public readonly record struct SetTag(string Site, string Node, HlcTimestamp Stamp) : IComparable<SetTag>
{
    /// <inheritdoc />
    public int CompareTo(SetTag other)
    {
        int c = string.CompareOrdinal(Site, other.Site);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(Node, other.Node);
        return c != 0 ? c : Stamp.CompareTo(other.Stamp);
    }
}
