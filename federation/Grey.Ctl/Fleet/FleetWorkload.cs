using System.Globalization;
using System.Text;
using Grey.Ctl.Dev;

namespace Grey.Ctl.Fleet;

/// <summary>
/// The clients of a real-broker fleet: per site, one loop writing through the HTTP API of a node picked by the seed
/// (followers forward to the leader). Three writes in four add 1 to one of <see cref="Counters"/> counters, which
/// makes every committed entry countable at the region (a counter merged twice is too high, a lost one too low);
/// the fourth puts a unique value to one of <see cref="Values"/> keys, checked for last-writer-wins equality.
/// </summary>
internal sealed class FleetWorkload : IAsyncDisposable
{
    /// <summary>Counter keys per site.</summary>
    public const int Counters = 4;

    /// <summary>Value keys per site.</summary>
    public const int Values = 4;

    /// <summary>Pause between two writes of one site's client.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(150);

    /// <summary>Longest one write may take (a write cut by a crash has an unknown outcome, never counted either way).</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http = new() { Timeout = WriteTimeout };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private long _acknowledged;
    private long _failed;

    private FleetWorkload(IReadOnlyList<InProcessSite> sites, ulong seed, TimeProvider time)
    {
        _loops = new Task[sites.Count];
        for (int i = 0; i < sites.Count; i++)
        {
            InProcessSite site = sites[i];
            var random = new Random(unchecked((int)seed * 7919 + i));
            _loops[i] = Task.Run(() => LoopAsync(site, random, time, _stop.Token));
        }
    }

    /// <summary>The counter key <paramref name="k"/>.</summary>
    public static string CounterKey(int k) => "fleet/c/" + k.ToString(CultureInfo.InvariantCulture);

    /// <summary>The value key <paramref name="k"/>.</summary>
    public static string ValueKey(int k) => "fleet/k/" + k.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts one client per site.</summary>
    public static FleetWorkload Start(IReadOnlyList<InProcessSite> sites, ulong seed, TimeProvider time) => new(sites, seed, time);

    /// <summary>Writes acknowledged by their site.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Writes refused, cut or timed out (outcome unknown).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Stops the clients and waits for the writes in flight.</summary>
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

    private async Task LoopAsync(InProcessSite site, Random random, TimeProvider time, CancellationToken token)
    {
        long sequence = 0;
        while (!token.IsCancellationRequested)
        {
            string url = site.ApiUrls[random.Next(site.Count)];
            int kind = random.Next(4);
            int k = random.Next(Counters);
            sequence++;
            try
            {
                using HttpResponseMessage response = kind < 3
                    ? await _http.PostAsync(new Uri($"{url}/v1/counters/{CounterKey(k)}"), new StringContent("1"), token).ConfigureAwait(false)
                    : await _http.PutAsync(new Uri($"{url}/v1/kv/{ValueKey(k % Values)}"), new ByteArrayContent(Encoding.UTF8.GetBytes($"{site.Id}-{sequence}")), token).ConfigureAwait(false);
                Interlocked.Increment(ref response.IsSuccessStatusCode ? ref _acknowledged : ref _failed);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _failed);
            }

            try
            {
                await Task.Delay(Interval, time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
