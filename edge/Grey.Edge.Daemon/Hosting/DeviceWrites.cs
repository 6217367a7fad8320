using Grey.Edge.Devices;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Daemon.Hosting;

/// <summary>
/// The device listener's write function: a device's <c>grey/kv/&lt;key&gt;</c> publish becomes the same put the
/// HTTP <c>PUT /v1/kv/{key}</c> proposes (no condition), through <see cref="EdgeNode.ProposeAsync"/>, which
/// forwards to the leader like the API does. It completes only once the put committed and applied, so the
/// device's PUBACK means the write is durable on a quorum.
/// </summary>
internal static class DeviceWrites
{
    /// <summary>Makes the write function for <paramref name="node"/>.</summary>
    public static Func<string, ReadOnlyMemory<byte>, CancellationToken, ValueTask<DeviceWriteResult>> For(EdgeNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return async (key, value, cancellationToken) =>
        {
            ProposalResult result;
            try
            {
                // The payload buffer belongs to MQTTnet; the command keeps its own copy (at most 64 KiB).
                result = await node.ProposeAsync(new Command { Kind = CommandKind.Put, Key = key, Value = value.ToArray() }, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                // The node's own command rules refused it (a key the topic rules let through): for good.
                return new DeviceWriteResult(DeviceWriteStatus.Refused, e.Message);
            }

            return Map(result);
        };
    }

    /// <summary>
    /// Committed only for an applied put; Refused for an outcome that will not change on resend (a desired/ key,
    /// a key holding a counter or set); Unavailable for everything a later resend may pass (no leader, overload,
    /// timeout, no epoch yet).
    /// </summary>
    public static DeviceWriteResult Map(ProposalResult result)
    {
        if (result.Status != ProposalStatus.Applied)
        {
            return new DeviceWriteResult(DeviceWriteStatus.Unavailable, $"{result.Status}: {result.Error ?? "not committed"}");
        }

        return result.Outcome.Status switch
        {
            CommandStatus.Ok => DeviceWriteResult.Committed,
            CommandStatus.Forbidden => new DeviceWriteResult(DeviceWriteStatus.Refused, "desired/... keys are written only by the cloud"),
            CommandStatus.WrongType => new DeviceWriteResult(DeviceWriteStatus.Refused, "the key holds a counter or a set"),
            _ => new DeviceWriteResult(DeviceWriteStatus.Unavailable, $"not applied ({result.Outcome.Status}); retry"),
        };
    }
}
