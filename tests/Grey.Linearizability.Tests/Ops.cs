namespace Grey.Linearizability.Tests;

/// <summary>Short constructors for hand-made histories: times are small integers, null return = unknown.</summary>
internal static class Ops
{
    public const string DefaultKey = "k";

    public static HistoryOperation Write(int client, long value, long call, long? ret, string key = DefaultKey, bool ok = true) =>
        new(client, key, OperationKind.Write, value, null, null, ok, call, ret);

    public static HistoryOperation Read(int client, long? output, long call, long? ret, string key = DefaultKey, bool ok = true) =>
        new(client, key, OperationKind.Read, null, null, ret is null ? null : output, ok, call, ret);

    public static HistoryOperation Cas(int client, long expected, long value, bool ok, long call, long? ret, string key = DefaultKey) =>
        new(client, key, OperationKind.Cas, value, expected, null, ok, call, ret);
}
