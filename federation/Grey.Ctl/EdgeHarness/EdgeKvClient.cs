using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// A client of grey-edge's key-value HTTP API (<c>/v1/kv/{key}</c>) that classifies every outcome the way a
/// linearizability history needs it: acknowledged, certainly failed, or unknown. A timeout is unknown,
/// never a failure, because the write may still commit.
/// </summary>
internal sealed class EdgeKvClient : IDisposable
{
    /// <summary>The largest response body read (values in the torture run are a few bytes).</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    /// <summary>
    /// A client speaking <paramref name="http"/>: HTTP/1.1 (a connection per concurrent request, up to
    /// <paramref name="maxConnectionsPerServer"/>) or HTTP/2 with prior knowledge (concurrent requests share one
    /// connection per node, a second one opening past the node's stream limit).
    /// </summary>
    public EdgeKvClient(TimeProvider time, int maxConnectionsPerServer = 256, EdgeHttp http = EdgeHttp.Http1)
    {
        _time = time;
        Http = http;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnectionsPerServer,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(2),
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
        })
        {
            // Each call carries its own timeout through a cancellation token driven by the injected clock.
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = http == EdgeHttp.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>The protocol this client speaks.</summary>
    public EdgeHttp Http { get; }

    /// <summary>
    /// <c>PUT</c> the value; with <paramref name="ifMatchRevision"/> a compare-and-set on that revision.
    /// An acknowledged write returns its new revision when the node sent an ETag.
    /// </summary>
    public async Task<KvCallResult> PutAsync(Uri node, string key, byte[] value, long? ifMatchRevision, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, KeyUri(node, key)) { Content = new ByteArrayContent(value) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (ifMatchRevision is long rev)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"" + rev.ToString(CultureInfo.InvariantCulture) + "\""));
        }

        return await SendAsync(request, isRead: false, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>GET</c> the key (a linearizable ReadIndex read).</summary>
    public async Task<KvCallResult> GetAsync(Uri node, string key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, KeyUri(node, key));
        return await SendAsync(request, isRead: true, timeout, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private static Uri KeyUri(Uri node, string key) => new(node, "v1/kv/" + key);

    private async Task<KvCallResult> SendAsync(HttpRequestMessage request, bool isRead, TimeSpan timeout, CancellationToken cancellationToken)
    {
        request.Version = _http.DefaultRequestVersion;
        request.VersionPolicy = _http.DefaultVersionPolicy;
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            long revision = ParseETag(response.Headers.ETag);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.NoContent:
                    byte[]? body = isRead ? await ReadBodyAsync(response, linked.Token).ConfigureAwait(false) : null;
                    return new KvCallResult(KvCallStatus.Ok, body, revision, string.Empty);
                case HttpStatusCode.NotFound when isRead:
                    return KvCallResult.Of(KvCallStatus.NotFound);
                case HttpStatusCode.PreconditionFailed:
                    return KvCallResult.Of(KvCallStatus.PreconditionFailed);
                case >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError when response.StatusCode != HttpStatusCode.RequestTimeout:
                    return KvCallResult.Of(KvCallStatus.Failed, $"HTTP {(int)response.StatusCode}");
                default:
                    // A 5xx (for example a follower that lost its leader while forwarding) may come after the
                    // proposal entered the log, so the write may still commit.
                    return KvCallResult.Of(KvCallStatus.Unknown, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return KvCallResult.Of(KvCallStatus.Unknown, "timeout");
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            // Nothing was sent: the node is down.
            return KvCallResult.Of(KvCallStatus.Failed, "connection refused");
        }
        catch (HttpRequestException e)
        {
            return KvCallResult.Of(KvCallStatus.Unknown, e.Message);
        }
        catch (IOException e)
        {
            return KvCallResult.Of(KvCallStatus.Unknown, e.Message);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            throw new HttpRequestException($"response of {response.Content.Headers.ContentLength} bytes exceeds {MaxResponseBytes}");
        }

        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    private static long ParseETag(EntityTagHeaderValue? etag)
    {
        if (etag is null)
        {
            return 0;
        }

        string tag = etag.Tag.Trim('"');
        return long.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out long rev) ? rev : 0;
    }
}

/// <summary>The HTTP version an <see cref="EdgeKvClient"/> speaks (grey-edge's plaintext API port serves both).</summary>
internal enum EdgeHttp
{
    /// <summary>HTTP/1.1.</summary>
    Http1,

    /// <summary>HTTP/2 over cleartext with prior knowledge (h2c).</summary>
    Http2,
}
