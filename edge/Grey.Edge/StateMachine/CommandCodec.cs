using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Grey.Federation.Clock;
using Grey.Federation.Identifiers;

namespace Grey.Edge.StateMachine;

/// <summary>
/// The bytes of a client command in a Raft data entry, little-endian:
/// version (1) u8, kind u8, condition u8, expected revision u64, proposal id u64, stamp wall i64,
/// stamp logical u16, origin (u8 length + ASCII), key (u16 length + ASCII), then by kind: put: u32 length +
/// value bytes; counter add: i64 amount; set add / remove: u16 length + UTF-8 member; delete: nothing; desired:
/// u32 length + the desired change's canonical bytes (which must decode, for a <c>desired/</c> key equal to the key).
/// Decoding is strict: exact length, known version, kind and condition, valid key, origin, member and stamp.
/// </summary>
internal static class CommandCodec
{
    /// <summary>The current format version.</summary>
    public const byte Version = 1;

    /// <summary>The largest value a put may carry: the federation's register value limit (64 KiB).</summary>
    public const int MaxValueBytes = Grey.Federation.FederationLimits.MaxValueBytes;

    /// <summary>
    /// The largest desired change a <see cref="CommandKind.Desired"/> command carries: a maximal value plus its key
    /// (256), region and site (63 each), stamp, sequence and CBOR framing, well under 1 KiB together.
    /// </summary>
    public const int MaxDesiredChangeBytes = MaxValueBytes + 1024;

    private const int FixedHeader = 1 + 1 + 1 + 8 + 8 + 8 + 2;

    /// <summary>The largest encoded command (fixed header, origin, key, a maximal desired change).</summary>
    public const int MaxEncodedBytes = FixedHeader + 1 + 63 + 2 + 256 + 4 + MaxDesiredChangeBytes;

    /// <summary>Encodes <paramref name="command"/>; throws for a command no decoder would accept (misuse).</summary>
    public static byte[] Encode(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!TryValidate(command, out var error))
        {
            throw new ArgumentException(error, nameof(command));
        }

        // Origin and key are validated ASCII, so their byte counts are their lengths and they are written straight
        // into the command's array: no temporary array per field (this runs for every write, on both hops).
        var originLength = command.Origin.Length;
        var keyLength = command.Key.Length;
        var elementLength = command.Kind is CommandKind.SetAdd or CommandKind.SetRemove ? Encoding.UTF8.GetByteCount(command.Element) : 0;
        var tail = command.Kind switch
        {
            CommandKind.Put or CommandKind.Desired => 4 + command.Value.Length,
            CommandKind.CounterAdd => 8,
            CommandKind.SetAdd or CommandKind.SetRemove => 2 + elementLength,
            _ => 0,
        };
        var buffer = new byte[FixedHeader + 1 + originLength + 2 + keyLength + tail];
        var span = buffer.AsSpan();
        span[0] = Version;
        span[1] = (byte)command.Kind;
        span[2] = (byte)command.Condition;
        BinaryPrimitives.WriteUInt64LittleEndian(span[3..], command.ExpectedRevision);
        BinaryPrimitives.WriteUInt64LittleEndian(span[11..], command.ProposalId);
        BinaryPrimitives.WriteInt64LittleEndian(span[19..], command.Stamp.WallMs);
        BinaryPrimitives.WriteUInt16LittleEndian(span[27..], (ushort)command.Stamp.Logical);
        var at = FixedHeader;
        span[at++] = (byte)originLength;
        at += Encoding.ASCII.GetBytes(command.Origin, span[at..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)keyLength);
        at += 2;
        at += Encoding.ASCII.GetBytes(command.Key, span[at..]);
        switch (command.Kind)
        {
            case CommandKind.Put or CommandKind.Desired:
                BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)command.Value.Length);
                command.Value.Span.CopyTo(span[(at + 4)..]);
                break;
            case CommandKind.CounterAdd:
                BinaryPrimitives.WriteInt64LittleEndian(span[at..], command.Amount);
                break;
            case CommandKind.SetAdd or CommandKind.SetRemove:
                BinaryPrimitives.WriteUInt16LittleEndian(span[at..], (ushort)elementLength);
                Encoding.UTF8.GetBytes(command.Element, span[(at + 2)..]);
                break;
        }

        return buffer;
    }

    /// <summary>Decodes a command; on failure says what was wrong.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out Command? command, [NotNullWhen(false)] out string? error)
    {
        command = null;
        if (bytes.Length > MaxEncodedBytes)
        {
            error = $"command of {bytes.Length} bytes exceeds {MaxEncodedBytes}";
            return false;
        }

        if (bytes.Length < FixedHeader + 3)
        {
            error = $"command of {bytes.Length} bytes is shorter than its header";
            return false;
        }

        if (bytes[0] != Version)
        {
            error = $"unsupported command version {bytes[0]}";
            return false;
        }

        var kind = (CommandKind)bytes[1];
        if (kind is < CommandKind.Put or > CommandKind.Desired)
        {
            error = $"unknown command kind {bytes[1]}";
            return false;
        }

        var condition = (CommandCondition)bytes[2];
        if (condition is < CommandCondition.None or > CommandCondition.IfAbsent)
        {
            error = $"unknown command condition {bytes[2]}";
            return false;
        }

        var expected = BinaryPrimitives.ReadUInt64LittleEndian(bytes[3..]);
        var proposalId = BinaryPrimitives.ReadUInt64LittleEndian(bytes[11..]);
        var stamp = new HlcTimestamp(BinaryPrimitives.ReadInt64LittleEndian(bytes[19..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[27..]));
        var at = FixedHeader;
        int originLength = bytes[at++];
        if (at + originLength + 2 > bytes.Length)
        {
            error = "command truncated in its origin";
            return false;
        }

        var origin = Encoding.ASCII.GetString(bytes.Slice(at, originLength));
        at += originLength;
        int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]);
        at += 2;
        if (at + keyLength > bytes.Length)
        {
            error = "command truncated in its key";
            return false;
        }

        var key = Encoding.ASCII.GetString(bytes.Slice(at, keyLength));
        at += keyLength;
        var rest = bytes[at..];
        ReadOnlyMemory<byte> value = default;
        long amount = 0;
        var element = string.Empty;
        switch (kind)
        {
            case CommandKind.Put or CommandKind.Desired:
                if (rest.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(rest) != (uint)(rest.Length - 4))
                {
                    error = "put value length does not match the bytes left";
                    return false;
                }

                value = rest[4..].ToArray();
                break;
            case CommandKind.CounterAdd:
                if (rest.Length != 8)
                {
                    error = "counter amount must be exactly 8 bytes";
                    return false;
                }

                amount = BinaryPrimitives.ReadInt64LittleEndian(rest);
                break;
            case CommandKind.SetAdd or CommandKind.SetRemove:
                if (rest.Length < 2 || BinaryPrimitives.ReadUInt16LittleEndian(rest) != rest.Length - 2)
                {
                    error = "set member length does not match the bytes left";
                    return false;
                }

                try
                {
                    element = new UTF8Encoding(false, true).GetString(rest[2..]);
                }
                catch (DecoderFallbackException)
                {
                    error = "set member is not valid UTF-8";
                    return false;
                }

                break;
            default:
                if (rest.Length != 0)
                {
                    error = $"{rest.Length} bytes after a delete command";
                    return false;
                }

                break;
        }

        var decoded = new Command
        {
            Kind = kind,
            Key = key,
            Condition = condition,
            ExpectedRevision = expected,
            ProposalId = proposalId,
            Stamp = stamp,
            Origin = origin,
            Value = value,
            Amount = amount,
            Element = element,
        };
        if (!TryValidate(decoded, out error))
        {
            return false;
        }

        command = decoded;
        return true;
    }

    /// <summary>Checks the fields every command must satisfy (used by both directions).</summary>
    public static bool TryValidate(Command command, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(command);
        return TryValidate(command, command.Origin, out error);
    }

    /// <summary>
    /// Checks <paramref name="command"/> as if its origin were <paramref name="origin"/>: a node validates a client's
    /// command under its own name without copying the command to set it.
    /// </summary>
    public static bool TryValidate(Command command, string origin, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!KeyNames.IsValid(command.Key))
        {
            error = "key must be 1-256 printable ASCII characters";
        }
        else if (!FederationId.IsValid(origin))
        {
            error = $"origin '{origin}' is not a federation identifier";
        }
        else if (!command.Stamp.IsValid)
        {
            error = $"stamp {command.Stamp} is out of range";
        }
        else if (command.Kind == CommandKind.Put && command.Value.Length > MaxValueBytes)
        {
            error = $"value of {command.Value.Length} bytes exceeds {MaxValueBytes}";
        }
        else if (command.Kind == CommandKind.Desired && DesiredError(command) is { } desiredError)
        {
            error = desiredError;
        }
        else if (command.Kind is CommandKind.SetAdd or CommandKind.SetRemove && !KeyNames.IsValidElement(command.Element))
        {
            error = "set member must be 1-256 bytes of text without control characters";
        }
        else if (command.Kind is CommandKind.CounterAdd && command.Amount == long.MinValue)
        {
            error = "counter amount must be above -2^63";
        }
        else if (command.Condition != CommandCondition.None && command.Kind is not (CommandKind.Put or CommandKind.Delete))
        {
            error = "only puts and deletes take a precondition";
        }
        else if (command.Condition != CommandCondition.IfRevision && command.ExpectedRevision != 0)
        {
            error = "an expected revision needs the IfRevision condition";
        }
        else
        {
            error = null;
            return true;
        }

        return false;
    }

    /// <summary>Why a desired command is malformed, or null: its bytes must be a canonical change of its own key.</summary>
    private static string? DesiredError(Command command)
    {
        if (command.Value.Length > MaxDesiredChangeBytes)
        {
            return $"desired change of {command.Value.Length} bytes exceeds {MaxDesiredChangeBytes}";
        }

        var change = Grey.Federation.Messages.DesiredChange.Decode(command.Value);
        if (!change.IsSuccess)
        {
            return "desired change: " + change.Error.Message;
        }

        return change.Value.Key == command.Key ? null : $"desired change of key '{change.Value.Key}' in a command of key '{command.Key}'";
    }
}
