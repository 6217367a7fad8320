using System.Collections.Immutable;
using Grey.Attestation.Tpm;

namespace Grey.Attestation.Events;

/// <summary>
/// One event of a measurement log: the PCR it extended, its type, the digest it extended into each bank,
/// and its data (a name, a path, a key). Both log formats parse into this model.
/// </summary>
public sealed record MeasurementEvent(int Pcr, uint EventType, ImmutableDictionary<TpmAlgId, byte[]> Digests, byte[] Data)
{
    /// <summary>Builds an event whose digests are H_bank(content) for every bank given.</summary>
    public static MeasurementEvent Measure(int pcr, uint eventType, ReadOnlySpan<byte> content, byte[] data, IEnumerable<TpmAlgId> banks)
    {
        var digests = ImmutableDictionary.CreateBuilder<TpmAlgId, byte[]>();
        foreach (TpmAlgId bank in banks)
        {
            digests[bank] = TpmHash.Hash(bank, content);
        }

        return new MeasurementEvent(pcr, eventType, digests.ToImmutable(), data);
    }

    public bool Equals(MeasurementEvent? other) =>
        other is not null && Pcr == other.Pcr && EventType == other.EventType && Data.AsSpan().SequenceEqual(other.Data)
        && Digests.Count == other.Digests.Count
        && Digests.All(d => other.Digests.TryGetValue(d.Key, out byte[]? v) && v.AsSpan().SequenceEqual(d.Value));

    public override int GetHashCode() => HashCode.Combine(Pcr, EventType, Data.Length);
}
