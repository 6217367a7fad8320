namespace Grey.Simulation.Fleet;

/// <summary>
/// The simulated broker (the part of nats-server or mosquitto the fleet needs): a publish is stored only while the
/// broker is up and the site's link is up; stored deltas are delivered to their region after a random delay (so they
/// reorder), redelivered to a region that restarted until the region settles them, and lost when the broker restarts
/// before they were settled (a single nats-server fsyncs only every two minutes). Acks, NAKs and notices to sites
/// are delivered while both ends are up, lost otherwise (the site recovers by its ack timeout and link-up resend).
/// </summary>
internal sealed class SimulatedBroker(SimulatedFleet fleet)
{
    private readonly Dictionary<string, List<BrokerMessage>> unsettled = new(StringComparer.Ordinal);

    public bool Up { get; private set; } = true;

    /// <summary>Unsettled messages lost in broker restarts.</summary>
    public long LostInRestarts { get; private set; }

    /// <summary>Publishes a site's delta (with a duplicate when that chaos class is on); false when it was not stored.</summary>
    public bool PublishDelta(FleetSite site, BrokerMessage message)
    {
        if (!Up || !site.LinkUp)
        {
            return false;
        }

        Store(message);
        if ((fleet.Options.Chaos & ChaosClass.Duplicate) != 0 && fleet.WritesRunning && fleet.Rng.Next(1000) < FleetTiming.DuplicatePerMille)
        {
            // The publisher sent it twice (a retry whose first attempt was stored after all): two broker messages.
            fleet.CountChaos(ChaosClass.Duplicate);
            Store(new BrokerMessage
            {
                Id = fleet.NextMessageId(), Kind = message.Kind, Subject = message.Subject, To = message.To, Wire = message.Wire,
                Epoch = message.Epoch, FirstIndex = message.FirstIndex, LastIndex = message.LastIndex, Entries = message.Entries, Content = message.Content,
            });
        }

        return true;
    }

    /// <summary>An attacker's message (tampered or forged) stored for the region like any delta.</summary>
    public void Inject(BrokerMessage message)
    {
        if (Up)
        {
            Store(message);
        }
    }

    public void Settle(BrokerMessage message)
    {
        if (message.Settled || message.Lost)
        {
            return;
        }

        message.Settled = true;
        if (unsettled.TryGetValue(message.To, out List<BrokerMessage>? list))
        {
            list.Remove(message);
        }
    }

    /// <summary>A region came back: everything it had not settled is delivered again.</summary>
    public void RedeliverTo(string region)
    {
        if (unsettled.TryGetValue(region, out List<BrokerMessage>? list))
        {
            foreach (BrokerMessage m in list)
            {
                Deliver(m);
            }
        }
    }

    /// <summary>Sends a region delta to a peer region (not kept: the next gossip round sends a newer one).</summary>
    public void SendRegionDelta(BrokerMessage message)
    {
        if (Up)
        {
            fleet.Queue.Schedule(Delay(), () =>
            {
                if (Up)
                {
                    fleet.Regions[message.To].Arrive(message);
                }
            });
        }
    }

    /// <summary>Delivers something to a site's leader while broker and link are up.</summary>
    public void SendToSite(FleetSite site, Action<FleetNode> action)
    {
        if (!Up || !site.LinkUp)
        {
            return;
        }

        fleet.Queue.Schedule(Delay(), () =>
        {
            if (Up && site.LinkUp && site.Leader is { } leader)
            {
                action(leader);
            }
        });
    }

    /// <summary>The broker restarts: down for <paramref name="downtime"/>, every unsettled message lost.</summary>
    public void Restart(TimeSpan downtime)
    {
        Up = false;
        foreach (List<BrokerMessage> list in unsettled.Values)
        {
            foreach (BrokerMessage m in list)
            {
                m.Lost = true;
                LostInRestarts++;
            }

            list.Clear();
        }

        fleet.Queue.Schedule(downtime, () =>
        {
            Up = true;
            foreach (FleetSite s in fleet.Sites)
            {
                if (s.LinkUp)
                {
                    s.Leader?.OnLinkUp();
                }
            }
        });
    }

    private void Store(BrokerMessage message)
    {
        if (!unsettled.TryGetValue(message.To, out List<BrokerMessage>? list))
        {
            list = [];
            unsettled.Add(message.To, list);
        }

        list.Add(message);
        Deliver(message);
    }

    private void Deliver(BrokerMessage message) =>
        fleet.Queue.Schedule(Delay(), () =>
        {
            if (Up && !message.Settled && !message.Lost)
            {
                fleet.Regions[message.To].Arrive(message);
            }
        });

    private TimeSpan Delay() => TimeSpan.FromMilliseconds(fleet.Rng.Next(FleetTiming.BrokerDelayMinMs, FleetTiming.BrokerDelayMaxMs + 1));
}
