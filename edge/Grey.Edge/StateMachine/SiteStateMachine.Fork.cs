namespace Grey.Edge.StateMachine;

/// <summary>
/// A frozen copy for a snapshot. Encoding a state of megabytes took 35-250 ms on this machine (more under load), all
/// of it on the node loop and under the state lock, so the node stopped committing, serving reads and feeding its
/// outbox meanwhile. Copying is a few milliseconds; the encoding then runs off the loop on the copy.
/// </summary>
internal sealed partial class SiteStateMachine
{
    /// <summary>
    /// A copy holding everything <see cref="Snapshot()"/> writes, equal to this machine now and unaffected by what it
    /// applies later. Values and the chain hash are shared: the machine replaces those arrays, it never writes into
    /// them. Only the copy's <see cref="Snapshot()"/> is meant to be used.
    /// </summary>
    public SiteStateMachine ForkForSnapshot()
    {
        var fork = new SiteStateMachine(Site)
        {
            Epoch = Epoch,
            AppliedIndex = AppliedIndex,
            LastStamp = LastStamp,
            ChainedEntries = ChainedEntries,
            AckedIndex = AckedIndex,
            AckedRegion = AckedRegion,
            AckedChainHash = AckedChainHash,
            SiteStateMissing = SiteStateMissing,
        };
        fork.chain = chain;
        fork.siteState = siteState?.Clone();
        foreach (var (id, address) in memberApis)
        {
            fork.memberApis.Add(id, address);
        }

        foreach (var (key, record) in keys)
        {
            fork.keys.Add(key, record.Copy());
        }

        foreach (var (region, sequence) in desiredApplied)
        {
            fork.desiredApplied.Add(region, sequence);
        }

        return fork;
    }
}
