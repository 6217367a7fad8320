using System.Globalization;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Grey.Integration.Tests.Mqtt;

/// <summary>
/// Continuous writes into the site, rotating over the nodes (a dead node answers "connection refused" and the next
/// is tried): each step puts a fresh key (retried with the same value until acknowledged: a put is idempotent) and
/// then adds 1 to the counter <see cref="CounterKey"/>, never retried once its outcome is unknown, so the site's
/// counter is at least the acknowledged adds and at most those plus the unknown ones.
/// </summary>
internal sealed class SiteLoad
{
    public const string CounterKey = "w/count";

    /// <summary>How long one write may keep failing (no leader during an election, a node restarting) before the load gives up.</summary>
    public static readonly TimeSpan WriteDeadline = TimeSpan.FromSeconds(60);

    private readonly MqttFederation _fed;
    private readonly Dictionary<string, string> _written = [];
    private int _node;
    private long _acknowledgedAdds;
    private long _unknownAdds;

    public SiteLoad(MqttFederation fed) => _fed = fed;

    public int Written
    {
        get
        {
            lock (_written)
            {
                return _written.Count;
            }
        }
    }

    public long AcknowledgedAdds => Interlocked.Read(ref _acknowledgedAdds);

    public long UnknownAdds => Interlocked.Read(ref _unknownAdds);

    /// <summary>Writes until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(string phase, CancellationToken stop)
    {
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            await WriteOneAsync(phase, i);
        }
    }

    /// <summary>Writes <paramref name="count"/> keys.</summary>
    public async Task WriteAsync(string phase, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await WriteOneAsync(phase, i);
        }
    }

    /// <summary>
    /// Waits until the region holds exactly what the site acknowledged: the region's counter equals the site's (a
    /// doubled delta would push it above), the site's lies within the acknowledged adds, and every key has its value.
    /// </summary>
    public async Task AssertArrivedAsync(TimeSpan timeout, ITestOutputHelper output)
    {
        int reader = -1;
        long site = 0;
        for (int i = 0; i < _fed.NodeCount && reader < 0; i++)
        {
            if (_fed.Node(i).IsRunning)
            {
                try
                {
                    site = await _fed.SiteCounterAsync(i, CounterKey);
                    reader = i;
                }
                catch (HttpRequestException)
                {
                    // Not answering a linearizable read: ask the next node.
                }
            }
        }

        Assert.True(reader >= 0, "no node answered the counter read\n" + _fed.Logs());
        Assert.True(site >= AcknowledgedAdds && site <= AcknowledgedAdds + UnknownAdds,
            $"site counter {site} outside [{AcknowledgedAdds}, {AcknowledgedAdds + UnknownAdds}] (acknowledged adds, plus unknown outcomes)");
        long region = 0;
        bool equal = await MqttFederation.EventuallyAsync(async () => (region = await _fed.RegionCounterAsync(CounterKey)) >= site, timeout);
        Assert.True(equal && region == site, $"region counter {region} != site counter {site} (lost or doubled)\n{_fed.Logs()}");

        Dictionary<string, string> written;
        lock (_written)
        {
            written = new Dictionary<string, string>(_written);
        }

        var missing = written.Keys.ToList();
        await MqttFederation.EventuallyAsync(async () =>
        {
            var still = new List<string>();
            foreach (string key in missing)
            {
                byte[]? got = await _fed.RegionValueAsync(key);
                if (got is null || Encoding.UTF8.GetString(got) != written[key])
                {
                    still.Add(key);
                }
            }

            missing = still;
            return missing.Count == 0;
        }, timeout);
        Assert.True(missing.Count == 0, $"{missing.Count} of {written.Count} keys missing or wrong at the region: {string.Join(", ", missing.Take(10))}\n{_fed.Logs()}");
        Assert.Equal(site, await _fed.RegionCounterAsync(CounterKey));
        output.WriteLine($"all {written.Count} keys arrived; counter {site} at the site (n{reader + 1}) and the region ({AcknowledgedAdds} adds acknowledged, {UnknownAdds} unknown)");
    }

    private async Task WriteOneAsync(string phase, int i)
    {
        string key = $"w/{phase}/{i.ToString(CultureInfo.InvariantCulture)}";
        string value = $"{phase}-{i.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";
        // Each write starts on the next node (followers forward to the leader); a failure moves on too.
        _node = (_node + 1) % _fed.NodeCount;
        long start = TimeProvider.System.GetTimestamp();
        while (await _fed.PutAsync(_node, key, value) != WriteOutcome.Acknowledged)
        {
            await BackOffAsync(start, key);
        }

        lock (_written)
        {
            _written[key] = value;
        }

        start = TimeProvider.System.GetTimestamp();
        while (true)
        {
            WriteOutcome add = await _fed.AddAsync(_node, CounterKey, 1);
            if (add == WriteOutcome.Acknowledged)
            {
                Interlocked.Increment(ref _acknowledgedAdds);
                return;
            }

            if (add == WriteOutcome.Unknown)
            {
                Interlocked.Increment(ref _unknownAdds);
                return;
            }

            await BackOffAsync(start, CounterKey);
        }
    }

    private async Task BackOffAsync(long start, string key)
    {
        Assert.True(TimeProvider.System.GetElapsedTime(start) < WriteDeadline, $"the site did not take a write of {key} within {WriteDeadline.TotalSeconds:0} s\n{_fed.Logs()}");
        _node = (_node + 1) % _fed.NodeCount;
        await Task.Delay(100);
    }
}
