namespace Grey.Linearizability;

/// <summary>
/// Reads a history in either format greyctl accepts: the simulator's <see cref="HistoryFile"/> (recognized
/// by its header, which names the model) or a Jepsen etcd log (checked against the caller's model).
/// </summary>
public static class HistoryReader
{
    /// <summary>
    /// Reads <paramref name="text"/>; <paramref name="defaultModel"/> applies to Jepsen logs, which do not
    /// name a model. Malformed input gives <c>malformed: line N: what was wrong</c>, never an exception.
    /// </summary>
    public static HistoryParseResult Read(string text, ModelKind defaultModel)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var reader = new StringReader(text);
        return IsHistoryFile(text) ? HistoryFile.Read(reader) : JepsenLog.Read(reader, defaultModel);
    }

    /// <summary>True when the first line that is neither blank nor a comment starts with the HistoryFile magic.</summary>
    internal static bool IsHistoryFile(string text)
    {
        using var reader = new StringReader(text);
        while (reader.ReadLine() is string line)
        {
            string trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            return trimmed.StartsWith(HistoryFile.Magic, StringComparison.Ordinal);
        }

        return false;
    }
}
