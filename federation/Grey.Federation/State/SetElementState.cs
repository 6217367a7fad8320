using Grey.Federation.Operations;

namespace Grey.Federation.State;

/// <summary>
/// One element of an observed-remove set: the tags that added it and the tags removed. The element is
/// present while some add tag is not removed. Both sets only grow, so joining is a union.
/// </summary>
internal sealed class SetElementState
{
    public SortedSet<SetTag> Adds { get; } = [];

    public SortedSet<SetTag> Removes { get; } = [];

    public bool IsPresent
    {
        get
        {
            foreach (SetTag t in Adds)
            {
                if (!Removes.Contains(t))
                {
                    return true;
                }
            }

            return false;
        }
    }

    public SetElementState Clone()
    {
        var c = new SetElementState();
        c.Adds.UnionWith(Adds);
        c.Removes.UnionWith(Removes);
        return c;
    }
}
