using System.Globalization;
using System.Text;

namespace Grey.Ctl.Dev;

/// <summary>
/// The demo workload of <c>greyctl dev</c>: every site gets a steady trickle of writes (<c>PUT /v1/kv/line/K/speed</c>)
/// through the HTTP API of one of its nodes, picked at random (followers forward to the leader), the way a client
/// on the site's LAN writes. It counts the writes each site acknowledged, which the final summary holds the merged
/// index against.
/// </summary>
internal sealed class DemoTraffic : IAsyncDisposable
{
    /// <summary>Distinct keys written per site.</summary>
    public const int KeysPerSite = 8;

    /// <summary>Longest one write may take before it counts as not acknowledged.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new() { Timeout = WriteTimeout };
    private readonly CancellationTokenSource _stop = new();
    private readonly long[] _acknowledged;
    private readonly long[] _failed;
    private readonly Task[] _loops;

    private DemoTraffic(IReadOnlyList<InProcessSite> sites, int writesPerSecond, TimeProvider time, int seed)
    {
        _acknowledged = new long[sites.Count];
        _failed = new long[sites.Count];
        _loops = new Task[sites.Count];
        for (int i = 0; i < sites.Count; i++)
        {
            int index = i;
            var random = new Random(seed + index);
            _loops[i] = writesPerSecond == 0 ? Task.CompletedTask : Task.Run(() => LoopAsync(sites[index], index, writesPerSecond, time, random, _stop.Token));
        }
    }

    /// <summary>Starts writing to every site.</summary>
    public static DemoTraffic Start(IReadOnlyList<InProcessSite> sites, int writesPerSecond, TimeProvider time, int seed) => new(sites, writesPerSecond, time, seed);

    /// <summary>Writes site <paramref name="index"/> acknowledged so far.</summary>
    public long Acknowledged(int index) => Interlocked.Read(ref _acknowledged[index]);

    /// <summary>Writes to site <paramref name="index"/> that failed or timed out (the outcome unknown; never counted as acknowledged).</summary>
    public long Failed(int index) => Interlocked.Read(ref _failed[index]);

    /// <summary>Stops writing and waits for the writes in flight.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task LoopAsync(InProcessSite site, int index, int writesPerSecond, TimeProvider time, Random random, CancellationToken token)
    {
        var interval = TimeSpan.FromSeconds(1.0 / writesPerSecond);
        long sequence = 0;
        while (!token.IsCancellationRequested)
        {
            string url = site.ApiUrls[random.Next(site.Count)];
            string key = "line/" + random.Next(KeysPerSite).ToString(CultureInfo.InvariantCulture) + "/speed";
            sequence++;
            try
            {
                using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(sequence.ToString(CultureInfo.InvariantCulture)));
                using HttpResponseMessage response = await _http.PutAsync(new Uri(url + "/v1/kv/" + key), content, token).ConfigureAwait(false);
                Interlocked.Increment(ref response.IsSuccessStatusCode ? ref _acknowledged[index] : ref _failed[index]);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Stopping: a write cut here has an unknown outcome and is not counted either way.
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // A node stopped or busy: the next write goes to another node.
                Interlocked.Increment(ref _failed[index]);
            }

            try
            {
                await Task.Delay(interval, time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
