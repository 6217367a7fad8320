using System.Globalization;
using Grey.Linearizability.Parsing;

namespace Grey.Linearizability;

/// <summary>
/// Reads the Jepsen etcd client logs of the porcupine / linearizability-checker test data: one event per
/// line, <c>INFO  jepsen.util - PROCESS TYPE F VALUE</c>, fields separated by tabs or spaces.
/// </summary>
/// <remarks>
/// Each event line becomes half of an operation: <c>:invoke</c> opens one for its process, and <c>:ok</c>,
/// <c>:fail</c> or <c>:info</c> closes it. Times are line numbers, which preserves the real-time order
/// Jepsen logged. <c>:info</c> (and an invocation never completed) gives an operation whose outcome is
/// unknown; <c>:fail</c> gives a failed one (a compare-and-set that did not match, or a read or write
/// that took no effect). Events of the <c>:nemesis</c> process are skipped: they are faults, not client
/// operations.
/// </remarks>
public static class JepsenLog
{
    /// <summary>The key every operation of a Jepsen log acts on: the test has exactly one register.</summary>
    public const string Key = "jepsen";

    private const string NemesisProcess = ":nemesis";

    /// <summary>
    /// Reads a Jepsen log; <paramref name="model"/> is the model to check it against (the log does not say).
    /// A malformed log gives <c>malformed: line N: what was wrong</c>, never an exception.
    /// </summary>
    public static HistoryParseResult Read(TextReader reader, ModelKind model = ModelKind.Register)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var operations = new List<HistoryOperation>();
        var pending = new Dictionary<int, int>();
        int lineNumber = 0;
        int events = 0;
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            if (line.Length > Tokens.MaxLineLength)
            {
                return HistoryParseResult.Malformed(lineNumber, $"the line is longer than {Tokens.MaxLineLength} characters");
            }

            string[] tokens = Tokens.Split(line.Trim());
            if (tokens.Length == 0)
            {
                continue;
            }

            string? problem = ReadEvent(tokens, lineNumber, operations, pending, ref events);
            if (problem is not null)
            {
                return HistoryParseResult.Malformed(lineNumber, problem);
            }
        }

        if (events == 0)
        {
            return HistoryParseResult.Malformed(Math.Max(lineNumber, 1), "no Jepsen events: expected lines like 'INFO  jepsen.util - 3 :invoke :read nil'");
        }

        // Invocations that never completed stay pending to the end: their outcome is unknown, which they
        // already say (ReturnTime null).
        return HistoryParseResult.Success(model, operations);
    }

    private static string? ReadEvent(
        string[] tokens, int lineNumber, List<HistoryOperation> operations, Dictionary<int, int> pending, ref int events)
    {
        int start = -1;
        for (int i = 0; i + 1 < tokens.Length; i++)
        {
            if (tokens[i] == "jepsen.util" && tokens[i + 1] == "-")
            {
                start = i + 2;
                break;
            }
        }

        if (start < 0)
        {
            return "not a Jepsen event: expected '... jepsen.util - PROCESS TYPE F VALUE'";
        }

        if (tokens.Length - start < 3)
        {
            return $"the event has {tokens.Length - start} fields after 'jepsen.util -'; expected PROCESS TYPE F VALUE";
        }

        string processToken = tokens[start];
        if (processToken == NemesisProcess)
        {
            return null;
        }

        if (!Tokens.TryParseClient(processToken, out int process))
        {
            return $"process {Tokens.Quote(processToken)} is not a non-negative integer (or :nemesis)";
        }

        string type = tokens[start + 1];
        string f = tokens[start + 2];
        OperationKind kind;
        switch (f)
        {
            case ":read": kind = OperationKind.Read; break;
            case ":write": kind = OperationKind.Write; break;
            case ":cas": kind = OperationKind.Cas; break;
            default:
                return $"unknown function {Tokens.Quote(f)}; expected :read, :write or :cas";
        }

        string valueText = string.Join(' ', tokens, start + 3, tokens.Length - start - 3);
        events++;
        switch (type)
        {
            case ":invoke":
                return Invoke(process, kind, valueText, lineNumber, operations, pending);
            case ":ok":
            case ":fail":
            case ":info":
                return Complete(process, type, kind, valueText, lineNumber, operations, pending);
            default:
                return $"unknown event type {Tokens.Quote(type)}; expected :invoke, :ok, :fail or :info";
        }
    }

    private static string? Invoke(
        int process, OperationKind kind, string valueText, int lineNumber, List<HistoryOperation> operations, Dictionary<int, int> pending)
    {
        if (pending.TryGetValue(process, out int open))
        {
            return $"process {process} invokes an operation while the one it invoked at line {operations[open].CallTime} is still open";
        }

        if (operations.Count >= LinearizabilityChecker.MaxOperations)
        {
            return $"more than {LinearizabilityChecker.MaxOperations} operations";
        }

        long? value = null;
        long? expected = null;
        switch (kind)
        {
            case OperationKind.Read:
                if (valueText != "nil")
                {
                    return $"a read is invoked with nil, not {Tokens.Quote(valueText)}";
                }

                break;
            case OperationKind.Write:
                if (!Tokens.TryParseInt64(valueText, out long written))
                {
                    return $"a write's value {Tokens.Quote(valueText)} is not a 64-bit integer";
                }

                value = written;
                break;
            default:
                if (!TryParseCas(valueText, out long from, out long to))
                {
                    return $"a cas's value {Tokens.Quote(valueText)} is not [expected new] with 64-bit integers";
                }

                expected = from;
                value = to;
                break;
        }

        pending.Add(process, operations.Count);
        operations.Add(new HistoryOperation(process, Key, kind, value, expected, null, true, lineNumber, null));
        return null;
    }

    private static string? Complete(
        int process, string type, OperationKind kind, string valueText, int lineNumber, List<HistoryOperation> operations, Dictionary<int, int> pending)
    {
        if (!pending.Remove(process, out int index))
        {
            return $"process {process} completes ({type}) an operation it never invoked";
        }

        HistoryOperation invoked = operations[index];
        if (invoked.Kind != kind)
        {
            return $"process {process} completes a {Name(kind)} but invoked a {Name(invoked.Kind)} at line {invoked.CallTime}";
        }

        if (type == ":info")
        {
            // The outcome is unknown; the value of an :info line is not the result (here ':timed-out').
            return null;
        }

        bool ok = type == ":ok";
        long? output = null;
        if (kind == OperationKind.Read)
        {
            if (ok)
            {
                if (valueText == "nil")
                {
                    output = null;
                }
                else if (Tokens.TryParseInt64(valueText, out long read))
                {
                    output = read;
                }
                else
                {
                    return $"a read's result {Tokens.Quote(valueText)} is neither nil nor a 64-bit integer";
                }
            }
        }
        else if (kind == OperationKind.Write)
        {
            if (ok && (!Tokens.TryParseInt64(valueText, out long written) || written != invoked.Value))
            {
                return $"the write completes with {Tokens.Quote(valueText)}, but it was invoked with {invoked.Value} at line {invoked.CallTime}";
            }
        }
        else if (!TryParseCas(valueText, out long from, out long to) || from != invoked.Expected || to != invoked.Value)
        {
            return $"the cas completes with {Tokens.Quote(valueText)}, but it was invoked with [{invoked.Expected} {invoked.Value}] at line {invoked.CallTime}";
        }

        operations[index] = invoked with { Output = output, Ok = ok, ReturnTime = lineNumber };
        return null;
    }

    private static bool TryParseCas(string text, out long expected, out long value)
    {
        expected = 0;
        value = 0;
        if (text.Length < 2 || text[0] != '[' || text[^1] != ']')
        {
            return false;
        }

        string[] parts = Tokens.Split(text[1..^1]);
        return parts.Length == 2
            && Tokens.TryParseInt64(parts[0], out expected)
            && Tokens.TryParseInt64(parts[1], out value);
    }

    private static string Name(OperationKind kind) => kind.ToString().ToLower(CultureInfo.InvariantCulture);
}
