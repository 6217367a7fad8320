using System.Net.Http.Headers;
using System.Text.Json;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Daemon.Api;

/// <summary>Forwards a follower's write to the leader's internal API route, over the leader's published address.</summary>
internal sealed class HttpProposalForwarder(HttpClient client, string origin) : IProposalForwarder
{
    public async ValueTask<ProposalResult> ForwardAsync(ulong leaderId, string leaderApi, Command command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leaderApi);
        ArgumentNullException.ThrowIfNull(command);

        // The leader overwrites origin and stamp; the origin is set here only so the command encodes.
        var bytes = CommandCodec.Encode(command with { Origin = origin });
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        try
        {
            using var response = await client.PostAsync(leaderApi.TrimEnd('/') + EdgeApi.ForwardPath, content, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return ProposalResult.Fail(ProposalStatus.NoLeader, $"the leader answered {(int)response.StatusCode}");
            }

            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var answer = await JsonSerializer.DeserializeAsync(stream, ApiJson.Default.ForwardAnswer, cancellationToken).ConfigureAwait(false);
            return answer is null ? ProposalResult.Fail(ProposalStatus.Unknown, "empty answer from the leader") : EdgeApi.FromAnswer(answer);
        }
        catch (HttpRequestException e)
        {
            // Nothing reached the leader's log for sure only if the connection failed before sending; treat as
            // unknown unless the request never connected.
            return e.HttpRequestError == HttpRequestError.ConnectionError
                ? ProposalResult.Fail(ProposalStatus.NoLeader, "the leader is unreachable: " + e.Message)
                : ProposalResult.Fail(ProposalStatus.Unknown, "forwarding failed: " + e.Message);
        }
        catch (JsonException e)
        {
            return ProposalResult.Fail(ProposalStatus.Unknown, "the leader's answer did not parse: " + e.Message);
        }
    }
}
