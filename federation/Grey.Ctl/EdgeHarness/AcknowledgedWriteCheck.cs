using System.Globalization;
using Grey.Linearizability;

namespace Grey.Ctl.EdgeHarness;

/// <summary>
/// The durability check of a torture run: every acknowledged write must survive, meaning the key's final
/// value is that write's value or one written later. "Later" is judged from the client's own clock only
/// where it is certain: a final value whose write returned before an acknowledged write was called is
/// older than that write, so the acknowledged write was lost. A final value no client wrote, or an absent
/// key after an acknowledged write, is also a loss.
/// </summary>
internal static class AcknowledgedWriteCheck
{
    /// <summary>The most lost writes listed; the count is always exact.</summary>
    public const int MaxListed = 20;

    /// <summary>
    /// Checks <paramref name="history"/> against <paramref name="finalValues"/> (per key, null when absent;
    /// a key missing from the dictionary was not read at the end and is reported as such).
    /// </summary>
    public static IReadOnlyList<LostWrite> Check(IReadOnlyList<HistoryOperation> history, IReadOnlyDictionary<string, long?> finalValues)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(finalValues);
        var lost = new List<LostWrite>();
        foreach (IGrouping<string, HistoryOperation> key in history.Where(IsWrite).GroupBy(o => o.Key, StringComparer.Ordinal))
        {
            List<HistoryOperation> acknowledged = key.Where(o => o.Ok && o.ReturnTime is not null).ToList();
            if (acknowledged.Count == 0)
            {
                continue;
            }

            if (!finalValues.TryGetValue(key.Key, out long? final))
            {
                lost.AddRange(acknowledged.Select(a => new LostWrite(key.Key, a.Value!.Value, "the key's final value could not be read")));
                continue;
            }

            if (final is null)
            {
                lost.AddRange(acknowledged.Select(a => new LostWrite(key.Key, a.Value!.Value, "the key is absent at the end")));
                continue;
            }

            HistoryOperation? writer = key.FirstOrDefault(o => o.Value == final);
            if (writer is null)
            {
                lost.Add(new LostWrite(key.Key, final.Value, string.Create(CultureInfo.InvariantCulture, $"the key ends with {final}, a value no client wrote")));
                continue;
            }

            if (writer.ReturnTime is not long writerReturned)
            {
                // The final value's write has an unknown outcome: it may have taken effect at any time after
                // its call, so nothing shows it older than any acknowledged write.
                continue;
            }

            foreach (HistoryOperation a in acknowledged)
            {
                if (!ReferenceEquals(a, writer) && a.CallTime > writerReturned)
                {
                    lost.Add(new LostWrite(key.Key, a.Value!.Value, string.Create(
                        CultureInfo.InvariantCulture,
                        $"the key ends with {final}, whose write returned before this acknowledged write was called")));
                }
            }
        }

        return lost;
    }

    private static bool IsWrite(HistoryOperation o) => o.Kind is OperationKind.Write or OperationKind.Cas;
}
