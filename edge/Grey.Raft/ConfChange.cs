using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Grey.Raft;

/// <summary>
/// A membership change: one or more single changes, carried out either directly (one voter change at a
/// time) or through a joint configuration. An empty change list leaves a joint configuration.
/// It travels inside <see cref="EntryKind.ConfChange"/> entries, encoded with <see cref="Encode"/>.
/// </summary>
/// <param name="Changes">The single changes; empty means "leave the joint configuration".</param>
/// <param name="Transition">How the change is carried out.</param>
public sealed record ConfChange(IReadOnlyList<ConfChangeSingle> Changes, ConfChangeTransition Transition = ConfChangeTransition.Auto)
{
    /// <summary>The first byte of every encoded change; a different value is a different format version.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The most single changes one change may carry; bounds the decoder and the joint configuration.</summary>
    public const int MaxChanges = 64;

    /// <summary>Encoded size of one single change: type byte and 8-byte node id.</summary>
    private const int SingleSize = 9;

    /// <summary>Header: version byte, transition byte, 2-byte change count.</summary>
    private const int HeaderSize = 4;

    /// <summary>The largest valid encoding; the decoder refuses longer input before reading it.</summary>
    public const int MaxEncodedSize = HeaderSize + (MaxChanges * SingleSize);

    /// <summary>A change that adds (or promotes to) a voter.</summary>
    public static ConfChange AddVoter(ulong id) => new([new ConfChangeSingle(ConfChangeType.AddVoter, id)]);

    /// <summary>A change that adds a learner (or demotes a voter to learner).</summary>
    public static ConfChange AddLearner(ulong id) => new([new ConfChangeSingle(ConfChangeType.AddLearner, id)]);

    /// <summary>A change that removes a node.</summary>
    public static ConfChange RemoveNode(ulong id) => new([new ConfChangeSingle(ConfChangeType.RemoveNode, id)]);

    /// <summary>The explicit change that leaves a joint configuration.</summary>
    public static ConfChange LeaveJoint() => new([]);

    /// <summary>True when this change leaves a joint configuration.</summary>
    public bool IsLeaveJoint => Changes.Count == 0;

    /// <summary>
    /// True when this change enters a joint configuration. A single change under <see cref="ConfChangeTransition.Auto"/>
    /// is applied directly; everything else with at least one change goes through a joint configuration.
    /// </summary>
    /// <param name="autoLeave">Whether the leader leaves the joint configuration by itself.</param>
    public bool EntersJoint(out bool autoLeave)
    {
        autoLeave = Transition != ConfChangeTransition.JointExplicit;
        return Changes.Count > 1 || (Changes.Count == 1 && Transition != ConfChangeTransition.Auto);
    }

    /// <summary>Encodes the change (little-endian, versioned).</summary>
    public byte[] Encode()
    {
        if (Changes.Count > MaxChanges)
        {
            throw new InvalidOperationException($"a conf change carries at most {MaxChanges} changes, this one has {Changes.Count}");
        }

        var bytes = new byte[HeaderSize + (Changes.Count * SingleSize)];
        bytes[0] = FormatVersion;
        bytes[1] = (byte)Transition;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), (ushort)Changes.Count);
        var offset = HeaderSize;
        foreach (var change in Changes)
        {
            bytes[offset] = (byte)change.Type;
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offset + 1), change.NodeId);
            offset += SingleSize;
        }

        return bytes;
    }

    /// <summary>Decodes a change, throwing <see cref="FormatException"/> with the reason when the bytes are malformed.</summary>
    public static ConfChange Decode(ReadOnlySpan<byte> bytes) =>
        TryDecode(bytes, out var change, out var error) ? change : throw new FormatException(error);

    /// <summary>Decodes a change strictly: every byte must be accounted for and every field valid.</summary>
    /// <param name="bytes">The encoded change.</param>
    /// <param name="change">The decoded change when the result is true.</param>
    /// <param name="error">Why the bytes were refused when the result is false.</param>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out ConfChange? change, [NotNullWhen(false)] out string? error)
    {
        change = null;
        if (bytes.Length > MaxEncodedSize)
        {
            error = $"conf change: {bytes.Length} bytes exceed the limit of {MaxEncodedSize}";
            return false;
        }

        if (bytes.Length < HeaderSize)
        {
            error = $"conf change: {bytes.Length} bytes are shorter than the {HeaderSize}-byte header";
            return false;
        }

        if (bytes[0] != FormatVersion)
        {
            error = $"conf change: unknown format version {bytes[0]} (expected {FormatVersion})";
            return false;
        }

        if (bytes[1] > (byte)ConfChangeTransition.JointExplicit)
        {
            error = $"conf change: unknown transition {bytes[1]}";
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]);
        if (count > MaxChanges)
        {
            error = $"conf change: {count} changes exceed the limit of {MaxChanges}";
            return false;
        }

        var expected = HeaderSize + (count * SingleSize);
        if (bytes.Length != expected)
        {
            error = $"conf change: {count} changes need {expected} bytes, got {bytes.Length}";
            return false;
        }

        var changes = new ConfChangeSingle[count];
        for (var i = 0; i < count; i++)
        {
            var offset = HeaderSize + (i * SingleSize);
            var type = bytes[offset];
            if (type > (byte)ConfChangeType.RemoveNode)
            {
                error = $"conf change: change {i} has unknown type {type}";
                return false;
            }

            var id = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(offset + 1)..]);
            if (id == 0)
            {
                error = $"conf change: change {i} names node 0, which is not a valid id";
                return false;
            }

            changes[i] = new ConfChangeSingle((ConfChangeType)type, id);
        }

        change = new ConfChange(changes, (ConfChangeTransition)bytes[1]);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public bool Equals(ConfChange? other) =>
        other is not null && Transition == other.Transition && Changes.SequenceEqual(other.Changes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Transition, Changes.Count);

    /// <inheritdoc/>
    public override string ToString() =>
        Changes.Count == 0
            ? "leave-joint"
            : string.Join(" ", Changes.Select(c => c.Type switch
            {
                ConfChangeType.AddVoter => $"v{c.NodeId}",
                ConfChangeType.AddLearner => $"l{c.NodeId}",
                _ => $"r{c.NodeId}",
            })) + (Transition == ConfChangeTransition.Auto ? string.Empty : $" {Transition}");
}
