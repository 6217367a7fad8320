using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grey.Edge.Daemon.Api;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Daemon.Tests.Api;

/// <summary>
/// The forwarding pipe's sender loop belongs to no request: it must not run in the execution context of the write that
/// created it (HttpClient would then trace every batch under that request's Activity).
/// </summary>
public class ForwardPipeTests
{
    private static Command Put(string key) => new() { Kind = CommandKind.Put, Key = key, Value = new byte[] { 1 } };

    [Fact]
    public async Task Pipe_CreatedInsideARequestsActivity_SendsBatchesWithoutItsTraceHeader()
    {
        using var leader = new RecordingLeader();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var forwarder = new HttpProposalForwarder(client, "n9");
        using (var request = new Activity("a-request").Start())
        {
            Assert.Same(request, Activity.Current);
            var result = await forwarder.ForwardAsync(1, leader.Url, Put("k"), CancellationToken.None);
            Assert.Equal(ProposalStatus.NoLeader, result.Status);
        }

        var headers = await leader.FirstRequestHeaders;
        Assert.StartsWith("POST " + EdgeApi.ForwardBatchPath, headers, StringComparison.Ordinal);
        Assert.DoesNotContain("traceparent", headers, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A loopback "leader" that keeps the head of the first request and refuses every request with 500.</summary>
    private sealed class RecordingLeader : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<string> first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public RecordingLeader()
        {
            listener.Start();
            Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
            _ = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public Task<string> FirstRequestHeaders => first.Task.WaitAsync(TimeSpan.FromSeconds(20));

        public void Dispose() => listener.Stop();

        private async Task ServeAsync()
        {
            try
            {
                while (true)
                {
                    using var socket = await listener.AcceptSocketAsync();
                    var head = new StringBuilder();
                    var buffer = new byte[4096];
                    while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
                        if (n == 0)
                        {
                            break;
                        }

                        head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                    }

                    first.TrySetResult(head.ToString());
                    await socket.SendAsync("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None);
                    socket.Shutdown(SocketShutdown.Both);
                }
            }
            catch (ObjectDisposedException)
            {
                // The test is over.
            }
            catch (SocketException)
            {
                // Same.
            }
        }
    }
}
