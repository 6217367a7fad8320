using System.Globalization;
using System.Text;
using Grey.Linearizability.Parsing;

namespace Grey.Linearizability;

/// <summary>
/// The simulator's own text format for client histories (documented with an example in docs/LINCHECK.md):
/// a header naming the model, then one operation per line.
/// </summary>
/// <example>
/// <code>
/// grey-history 1 kv
/// # client key kind value expected output status call return
/// 0 k1 write 5 - - ok 100 180
/// 1 k1 read - - 5 ok 120 200
/// 2 k1 cas 7 5 - fail 130 -
/// </code>
/// </example>
public static class HistoryFile
{
    /// <summary>The first word of the header line; it also tells this format from a Jepsen log.</summary>
    public const string Magic = "grey-history";

    /// <summary>The format version this code writes; the reader accepts it (there is no earlier one yet).</summary>
    public const int Version = 1;

    /// <summary>The longest key the format accepts, in characters.</summary>
    public const int MaxKeyLength = 256;

    private const string Null = "-";
    private const int Columns = 9;

    /// <summary>Writes <paramref name="history"/> with its model so that <see cref="Read"/> gives it back exactly.</summary>
    /// <exception cref="ArgumentException">An operation cannot be written (for example a key with white space,
    /// or a write without a value).</exception>
    public static void Write(TextWriter writer, ModelKind model, IReadOnlyList<HistoryOperation> history)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(history);
        if (!Enum.IsDefined(model))
        {
            throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown model.");
        }

        for (int i = 0; i < history.Count; i++)
        {
            HistoryOperation op = history[i] ?? throw new ArgumentException($"Operation {i} is null.", nameof(history));
            if (KeyProblem(op.Key) is string keyProblem)
            {
                throw new ArgumentException($"Operation {i} cannot be written: {keyProblem}.", nameof(history));
            }

            if (OperationProblem(op) is string problem)
            {
                throw new ArgumentException($"Operation {i} cannot be written: {problem}.", nameof(history));
            }
        }

        writer.Write(Magic);
        writer.Write(' ');
        writer.Write(Version.ToString(CultureInfo.InvariantCulture));
        writer.Write(' ');
        writer.WriteLine(ModelName(model));
        writer.WriteLine("# client key kind value expected output status call return");
        var line = new StringBuilder();
        foreach (HistoryOperation op in history)
        {
            line.Clear();
            line.Append(op.Client.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(op.Key).Append(' ')
                .Append(KindName(op.Kind)).Append(' ')
                .Append(Show(op.Value)).Append(' ')
                .Append(Show(op.Expected)).Append(' ')
                .Append(Show(op.Output)).Append(' ')
                .Append(op.Ok ? "ok" : "fail").Append(' ')
                .Append(op.CallTime.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(Show(op.ReturnTime));
            writer.WriteLine(line);
        }
    }

    /// <summary>Reads a history; a malformed file gives <c>malformed: line N: what was wrong</c>, never an exception.</summary>
    public static HistoryParseResult Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int lineNumber = 0;
        ModelKind? model = null;
        var operations = new List<HistoryOperation>();
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            if (line.Length > Tokens.MaxLineLength)
            {
                return HistoryParseResult.Malformed(lineNumber, $"the line is longer than {Tokens.MaxLineLength} characters");
            }

            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            string[] tokens = Tokens.Split(trimmed);
            if (model is null)
            {
                if (!TryParseHeader(tokens, out ModelKind parsedModel, out string headerProblem))
                {
                    return HistoryParseResult.Malformed(lineNumber, headerProblem);
                }

                model = parsedModel;
                continue;
            }

            if (operations.Count >= LinearizabilityChecker.MaxOperations)
            {
                return HistoryParseResult.Malformed(lineNumber, $"more than {LinearizabilityChecker.MaxOperations} operations");
            }

            if (!TryParseOperation(tokens, out HistoryOperation? op, out string problem))
            {
                return HistoryParseResult.Malformed(lineNumber, problem);
            }

            operations.Add(op!);
        }

        if (model is null)
        {
            return HistoryParseResult.Malformed(Math.Max(lineNumber, 1), $"no header: expected '{Magic} {Version} register|kv'");
        }

        return HistoryParseResult.Success(model.Value, operations);
    }

    internal static string ModelName(ModelKind model) => model == ModelKind.Kv ? "kv" : "register";

    private static bool TryParseHeader(string[] tokens, out ModelKind model, out string problem)
    {
        model = ModelKind.Register;
        problem = string.Empty;
        if (tokens.Length == 0 || tokens[0] != Magic)
        {
            problem = $"expected the header '{Magic} {Version} register|kv', found {Tokens.Quote(tokens.Length > 0 ? tokens[0] : string.Empty)}";
            return false;
        }

        if (tokens.Length != 3)
        {
            problem = $"the header has {tokens.Length} fields; expected '{Magic} {Version} register|kv'";
            return false;
        }

        if (tokens[1] != Version.ToString(CultureInfo.InvariantCulture))
        {
            problem = $"unsupported format version {Tokens.Quote(tokens[1])}; this reader knows version {Version}";
            return false;
        }

        switch (tokens[2])
        {
            case "register":
                model = ModelKind.Register;
                return true;
            case "kv":
                model = ModelKind.Kv;
                return true;
            default:
                problem = $"unknown model {Tokens.Quote(tokens[2])}; expected register or kv";
                return false;
        }
    }

    private static bool TryParseOperation(string[] tokens, out HistoryOperation? op, out string problem)
    {
        op = null;
        if (tokens.Length != Columns)
        {
            problem = $"an operation has {Columns} fields (client key kind value expected output status call return), this line has {tokens.Length}";
            return false;
        }

        if (!Tokens.TryParseClient(tokens[0], out int client))
        {
            problem = $"client {Tokens.Quote(tokens[0])} is not a non-negative 32-bit integer";
            return false;
        }

        string key = tokens[1];
        if (KeyProblem(key) is string keyProblem)
        {
            problem = keyProblem;
            return false;
        }

        OperationKind kind;
        switch (tokens[2])
        {
            case "read": kind = OperationKind.Read; break;
            case "write": kind = OperationKind.Write; break;
            case "cas": kind = OperationKind.Cas; break;
            default:
                problem = $"unknown kind {Tokens.Quote(tokens[2])}; expected read, write or cas";
                return false;
        }

        if (!TryParseOptional(tokens[3], "value", out long? value, out problem)
            || !TryParseOptional(tokens[4], "expected", out long? expected, out problem)
            || !TryParseOptional(tokens[5], "output", out long? output, out problem))
        {
            return false;
        }

        bool ok;
        switch (tokens[6])
        {
            case "ok": ok = true; break;
            case "fail": ok = false; break;
            default:
                problem = $"unknown status {Tokens.Quote(tokens[6])}; expected ok or fail";
                return false;
        }

        if (!Tokens.TryParseInt64(tokens[7], out long call))
        {
            problem = $"call time {Tokens.Quote(tokens[7])} is not a 64-bit integer";
            return false;
        }

        if (!TryParseOptional(tokens[8], "return time", out long? returned, out problem))
        {
            return false;
        }

        op = new HistoryOperation(client, key, kind, value, expected, output, ok, call, returned);
        if (OperationProblem(op) is string semantic)
        {
            op = null;
            problem = semantic;
            return false;
        }

        problem = string.Empty;
        return true;
    }

    private static bool TryParseOptional(string token, string field, out long? value, out string problem)
    {
        problem = string.Empty;
        value = null;
        if (token == Null)
        {
            return true;
        }

        if (Tokens.TryParseInt64(token, out long parsed))
        {
            value = parsed;
            return true;
        }

        problem = $"{field} {Tokens.Quote(token)} is neither '-' nor a 64-bit integer";
        return false;
    }

    /// <summary>What makes an operation impossible to write and read back, or null when it is fine.</summary>
    private static string? OperationProblem(HistoryOperation op)
    {
        if (op.ReturnTime is long returned && returned < op.CallTime)
        {
            return $"the return time {returned} is before the call time {op.CallTime}";
        }

        return op.Kind switch
        {
            OperationKind.Read when op.Value is not null || op.Expected is not null => "a read has no value and no expected value ('-')",
            OperationKind.Read when op.IsUnknown && op.Output is not null => "a read that never returned has no output ('-')",
            OperationKind.Write when op.Value is null => "a write needs a value",
            OperationKind.Write when op.Expected is not null || op.Output is not null => "a write has no expected value and no output ('-')",
            OperationKind.Cas when op.Value is null || op.Expected is null => "a cas needs a value and an expected value",
            OperationKind.Cas when op.Output is not null => "a cas has no output ('-'); its status says whether it swapped",
            OperationKind.Read or OperationKind.Write or OperationKind.Cas => null,
            _ => $"unknown kind {op.Kind}",
        };
    }

    private static string? KeyProblem(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "the key is empty";
        }

        if (key.Length > MaxKeyLength)
        {
            return $"the key is longer than {MaxKeyLength} characters";
        }

        if (key == Null || key[0] == '#')
        {
            return $"the key {Tokens.Quote(key)} is reserved ('-' and keys starting with '#')";
        }

        foreach (char c in key)
        {
            if (c <= ' ' || c > '~')
            {
                return $"the key {Tokens.Quote(key)} has a character outside printable ASCII without spaces";
            }
        }

        return null;
    }

    private static string KindName(OperationKind kind) => kind switch
    {
        OperationKind.Read => "read",
        OperationKind.Write => "write",
        _ => "cas",
    };

    private static string Show(long? value) => value is long v ? v.ToString(CultureInfo.InvariantCulture) : Null;
}
