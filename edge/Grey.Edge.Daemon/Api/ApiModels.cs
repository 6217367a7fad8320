using System.Text.Json.Serialization;

namespace Grey.Edge.Daemon.Api;

/// <summary>A JSON error body: a message for people and a stable code for programs.</summary>
internal sealed record ApiError(string Error, string Code, ulong? Revision = null, ulong? Leader = null);

/// <summary>The answer to a key write.</summary>
internal sealed record KvWriteResult(string Key, ulong Revision, ulong Index);

/// <summary>One key in a prefix list (values base64-encoded, since they are raw bytes).</summary>
internal sealed record KvListItem(string Key, string Type, ulong Revision, string? Value, long? Counter, IReadOnlyList<string>? Members);

/// <summary>A prefix list.</summary>
internal sealed record KvList(IReadOnlyList<KvListItem> Items, bool Truncated);

/// <summary>A counter.</summary>
internal sealed record CounterResult(string Key, long Value, ulong Revision);

/// <summary>A set.</summary>
internal sealed record SetResult(string Key, IReadOnlyList<string> Members, ulong Revision);

/// <summary>The body of POST /v1/sets/{key}: exactly one of the two.</summary>
internal sealed record SetChange(string? Add, string? Remove);

/// <summary>The body of POST /v1/leader/transfer.</summary>
internal sealed record TransferRequest(ulong To);

/// <summary>The optional body of POST /v1/members/{id}/learner: the new member's peer address (HOST:PORT).</summary>
internal sealed record LearnerRequest(string? Peer);

/// <summary>The answer to a membership operation.</summary>
internal sealed record MembershipAnswer(string Status, ulong Leader, IReadOnlyList<ulong> Voters, IReadOnlyList<ulong> Learners);

/// <summary>One member's replication progress (known on the leader).</summary>
internal sealed record PeerStatus(ulong Id, ulong Match, ulong Next, string State, bool Learner, bool RecentActive);

/// <summary>GET /v1/status.</summary>
internal sealed record NodeStatus(
    ulong Node,
    string Site,
    string Role,
    ulong Term,
    ulong Leader,
    ulong Commit,
    ulong Applied,
    bool CanCommit,
    string? Epoch,
    string ChainHash,
    IReadOnlyList<ulong> Voters,
    IReadOnlyList<ulong> Learners,
    IReadOnlyList<PeerStatus> Peers,
    string? Failure);

/// <summary>The answer of the internal forwarding route (leader side of a forwarded write).</summary>
internal sealed record ForwardAnswer(string Status, string CommandStatus, ulong Revision, long Counter, ulong Index, string? Error);

/// <summary>Source-generated JSON for every API body (trim- and AOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(KvWriteResult))]
[JsonSerializable(typeof(KvList))]
[JsonSerializable(typeof(CounterResult))]
[JsonSerializable(typeof(SetResult))]
[JsonSerializable(typeof(SetChange))]
[JsonSerializable(typeof(TransferRequest))]
[JsonSerializable(typeof(LearnerRequest))]
[JsonSerializable(typeof(MembershipAnswer))]
[JsonSerializable(typeof(NodeStatus))]
[JsonSerializable(typeof(ForwardAnswer))]
internal sealed partial class ApiJson : JsonSerializerContext;
