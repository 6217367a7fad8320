using System.Buffers.Binary;
using System.Text;
using Grey.Edge.Node;
using Grey.Edge.StateMachine;

namespace Grey.Edge.Daemon.Api;

/// <summary>
/// The bodies of the batched forwarding route (<see cref="EdgeApi.ForwardBatchPath"/>), little-endian binary:
/// a request is version u8, count u16, then per command u32 length and the <see cref="CommandCodec"/> bytes;
/// an answer is version u8, count u16, then per command status u8, command status u8, revision u64,
/// counter i64, index u64, error (u16 length, UTF-8; 0xFFFF: none). Decoding is strict: exact lengths, known
/// version and enum values, every limit checked before anything is allocated from a length field.
/// </summary>
internal static class ForwardBatchCodec
{
    /// <summary>The current format version.</summary>
    public const byte Version = 1;

    /// <summary>Most commands in one forwarded batch: bounds the leader's work per request and the answer's size.</summary>
    public const int MaxCommands = 256;

    /// <summary>Most command bytes in one batch (besides the framing): 1 MiB, so that even maximal commands batch a few at a time.</summary>
    public const int MaxCommandBytes = 1024 * 1024;

    /// <summary>The longest error text an answer carries per command (longer texts are cut, on a character boundary).</summary>
    public const int MaxErrorBytes = 1024;

    /// <summary>The largest request body: the header, and per command its length field and bytes.</summary>
    public const int MaxRequestBytes = 3 + (MaxCommands * 4) + MaxCommandBytes;

    /// <summary>The largest answer body.</summary>
    public const int MaxAnswerBytes = 3 + (MaxCommands * AnswerFixedBytes) + (MaxCommands * MaxErrorBytes);

    private const int AnswerFixedBytes = 1 + 1 + 8 + 8 + 8 + 2;
    private const ushort NoError = 0xFFFF;

    /// <summary>Encodes encoded commands into a request body; throws when the batch breaks a limit (misuse).</summary>
    public static byte[] EncodeRequest(IReadOnlyList<byte[]> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        if (commands.Count is < 1 or > MaxCommands)
        {
            throw new ArgumentException($"a batch holds 1 to {MaxCommands} commands, got {commands.Count}", nameof(commands));
        }

        var size = 3;
        var payload = 0;
        foreach (var c in commands)
        {
            payload += c.Length;
            size += 4 + c.Length;
        }

        if (payload > MaxCommandBytes)
        {
            throw new ArgumentException($"a batch holds at most {MaxCommandBytes} command bytes, got {payload}", nameof(commands));
        }

        var bytes = new byte[size];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), (ushort)commands.Count);
        var at = 3;
        foreach (var c in commands)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), (uint)c.Length);
            c.CopyTo(bytes, at + 4);
            at += 4 + c.Length;
        }

        return bytes;
    }

    /// <summary>Splits a request body into its encoded commands (slices of <paramref name="body"/>); false with a reason when malformed.</summary>
    public static bool TryDecodeRequest(ReadOnlyMemory<byte> body, out ReadOnlyMemory<byte>[] commands, out string error)
    {
        commands = [];
        var span = body.Span;
        if (span.Length < 3 || span.Length > MaxRequestBytes)
        {
            error = $"a batch is 3 to {MaxRequestBytes} bytes, got {span.Length}";
            return false;
        }

        if (span[0] != Version)
        {
            error = $"unknown batch version {span[0]}";
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(span[1..]);
        if (count is < 1 or > MaxCommands)
        {
            error = $"a batch holds 1 to {MaxCommands} commands, got {count}";
            return false;
        }

        var result = new ReadOnlyMemory<byte>[count];
        var at = 3;
        for (var i = 0; i < count; i++)
        {
            if (span.Length - at < 4)
            {
                error = $"command {i}: truncated length";
                return false;
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(span[at..]);
            at += 4;
            if (length == 0 || length > CommandCodec.MaxEncodedBytes || length > (uint)(span.Length - at))
            {
                error = $"command {i}: bad length {length}";
                return false;
            }

            result[i] = body.Slice(at, (int)length);
            at += (int)length;
        }

        if (at != span.Length)
        {
            error = $"{span.Length - at} trailing bytes after {count} commands";
            return false;
        }

        commands = result;
        error = string.Empty;
        return true;
    }

    /// <summary>Encodes the leader's results, one per command of the request, in order.</summary>
    public static byte[] EncodeAnswer(IReadOnlyList<ProposalResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count is < 1 or > MaxCommands)
        {
            throw new ArgumentException($"an answer holds 1 to {MaxCommands} results, got {results.Count}", nameof(results));
        }

        var errors = new byte[]?[results.Count];
        var size = 3;
        for (var i = 0; i < results.Count; i++)
        {
            errors[i] = results[i].Error is { } text ? Truncate(text) : null;
            size += AnswerFixedBytes + (errors[i]?.Length ?? 0);
        }

        var bytes = new byte[size];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1), (ushort)results.Count);
        var at = 3;
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var span = bytes.AsSpan(at);
            span[0] = (byte)r.Status;
            span[1] = (byte)r.Outcome.Status;
            BinaryPrimitives.WriteUInt64LittleEndian(span[2..], r.Outcome.Revision);
            BinaryPrimitives.WriteInt64LittleEndian(span[10..], r.Outcome.CounterValue);
            BinaryPrimitives.WriteUInt64LittleEndian(span[18..], r.Outcome.Index);
            BinaryPrimitives.WriteUInt16LittleEndian(span[26..], errors[i] is { } e ? (ushort)e.Length : NoError);
            errors[i]?.CopyTo(span[AnswerFixedBytes..]);
            at += AnswerFixedBytes + (errors[i]?.Length ?? 0);
        }

        return bytes;
    }

    /// <summary>Decodes an answer that must hold exactly <paramref name="expected"/> results; false with a reason when malformed.</summary>
    public static bool TryDecodeAnswer(ReadOnlySpan<byte> body, int expected, out ProposalResult[] results, out string error)
    {
        results = [];
        if (body.Length < 3 || body.Length > MaxAnswerBytes)
        {
            error = $"an answer is 3 to {MaxAnswerBytes} bytes, got {body.Length}";
            return false;
        }

        if (body[0] != Version)
        {
            error = $"unknown answer version {body[0]}";
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(body[1..]);
        if (count != expected)
        {
            error = $"the answer holds {count} results for {expected} commands";
            return false;
        }

        var decoded = new ProposalResult[count];
        var at = 3;
        for (var i = 0; i < count; i++)
        {
            if (body.Length - at < AnswerFixedBytes)
            {
                error = $"result {i}: truncated";
                return false;
            }

            var span = body[at..];
            var status = (ProposalStatus)span[0];
            var commandStatus = (CommandStatus)span[1];
            if (!Enum.IsDefined(status) || !Enum.IsDefined(commandStatus))
            {
                error = $"result {i}: unknown status {span[0]}/{span[1]}";
                return false;
            }

            var revision = BinaryPrimitives.ReadUInt64LittleEndian(span[2..]);
            var counter = BinaryPrimitives.ReadInt64LittleEndian(span[10..]);
            var index = BinaryPrimitives.ReadUInt64LittleEndian(span[18..]);
            var errorLength = BinaryPrimitives.ReadUInt16LittleEndian(span[26..]);
            at += AnswerFixedBytes;
            string? text = null;
            if (errorLength != NoError)
            {
                if (errorLength > MaxErrorBytes || errorLength > body.Length - at)
                {
                    error = $"result {i}: bad error length {errorLength}";
                    return false;
                }

                text = Encoding.UTF8.GetString(body.Slice(at, errorLength));
                at += errorLength;
            }

            decoded[i] = new ProposalResult(status, new CommandOutcome(commandStatus, revision, counter, index), text);
        }

        if (at != body.Length)
        {
            error = $"{body.Length - at} trailing bytes after {count} results";
            return false;
        }

        results = decoded;
        error = string.Empty;
        return true;
    }

    private static byte[] Truncate(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= MaxErrorBytes)
        {
            return bytes;
        }

        // Cut on a character boundary: back up over UTF-8 continuation bytes (10xxxxxx).
        var length = MaxErrorBytes;
        while (length > 0 && (bytes[length] & 0xC0) == 0x80)
        {
            length--;
        }

        return bytes[..length];
    }
}
