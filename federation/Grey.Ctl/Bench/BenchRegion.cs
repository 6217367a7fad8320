using System.Net;
using Grey.Region.Daemon.Config;
using Grey.Region.Daemon.Hosting;

namespace Grey.Ctl.Bench;

/// <summary>
/// The region in this process, as <c>grey-region --region R --nats URL --dev</c> runs it (<see cref="RegionDaemon"/>:
/// the development enrollment service, the JetStream transport, <c>RegionHost</c> with its durable store), with the
/// ingest loop's transport wrapped in an <see cref="AckTap"/> so that every durable merge is seen when it is acked.
/// </summary>
internal static class BenchRegion
{
    /// <summary>Starts the region under <paramref name="directory"/>; its API listens on a free loopback port.</summary>
    public static Task<RegionDaemon> StartAsync(string region, string natsUrl, string directory, MergeWatch watch, RegionTurnClock turns, TimeProvider time, CancellationToken cancellationToken)
    {
        var options = new RegionDaemonOptions
        {
            Region = region,
            DataDirectory = directory,
            Api = new IPEndPoint(IPAddress.Loopback, 0),
            NatsUrls = [natsUrl],
            Dev = true,
        };
        var deps = new RegionDaemonDependencies
        {
            Time = time,
            WrapTransport = inner => new AckTap(inner, watch, turns, time),
        };
        return RegionDaemon.StartAsync(options, deps, cancellationToken);
    }
}
