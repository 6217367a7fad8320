namespace Grey.Linearizability.Checking;

/// <summary>
/// A doubly linked list over the entries 1..count, in index order, whose entries can be unlinked and
/// relinked in O(1) ("dancing links"): an unlinked entry keeps its own pointers, so relinking entries in
/// the reverse order of unlinking restores the list exactly.
/// </summary>
internal sealed class LinkedEvents
{
    public const int End = -1;

    private const int Head = 0;

    private readonly int[] _next;
    private readonly int[] _prev;

    public LinkedEvents(int count)
    {
        _next = new int[count + 1];
        _prev = new int[count + 1];
        for (int i = 0; i <= count; i++)
        {
            _next[i] = i < count ? i + 1 : End;
            _prev[i] = i - 1;
        }
    }

    /// <summary>The first entry still linked, or <see cref="End"/>.</summary>
    public int First => _next[Head];

    public int Next(int entry) => _next[entry];

    public void Unlink(int entry)
    {
        int p = _prev[entry];
        int q = _next[entry];
        _next[p] = q;
        if (q != End)
        {
            _prev[q] = p;
        }
    }

    public void Relink(int entry)
    {
        int p = _prev[entry];
        int q = _next[entry];
        _next[p] = entry;
        if (q != End)
        {
            _prev[q] = entry;
        }
    }
}
