using System.Security.Cryptography;
using Grey.Federation.Clock;
using Grey.Federation.Encoding;
using Grey.Federation.Operations;

namespace Grey.Federation.State;

public sealed partial class RegionState
{
    private static readonly byte[] HashDomain = "grey-state-v1"u8.ToArray();

    /// <summary>
    /// The state hash: SHA-256 of "grey-state-v1" followed by the canonical encoding of this state (merged
    /// data plus per site epoch the merged index and chain hash). Two regions with the same deltas have the
    /// same hash, whatever the order and duplication of arrival.
    /// </summary>
    public byte[] ComputeHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(HashDomain);
        hash.AppendData(StateCodec.Encode(this));
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// Collects tombstones: removes deleted registers and removed set tags whose stamps are below
    /// <paramref name="horizon"/>. The caller must pass a causally stable horizon, one that every region has
    /// merged every site past (known from acknowledgements), so no write older than it can still arrive;
    /// and every region must collect at the same horizon, because collection changes the state hash.
    /// Returns the number of tombstones collected.
    /// </summary>
    public int CollectTombstones(HlcTimestamp horizon)
    {
        int collected = 0;
        foreach (var (sk, reg) in _registers.ToList())
        {
            if (reg.IsTombstone && reg.Stamp < horizon)
            {
                _registers.Remove(sk);
                collected++;
            }
        }

        foreach (var (sk, elements) in _sets.ToList())
        {
            foreach (var (element, state) in elements.ToList())
            {
                foreach (SetTag t in state.Removes.Where(t => t.Stamp < horizon).ToList())
                {
                    state.Removes.Remove(t);
                    state.Adds.Remove(t);
                    collected++;
                }

                if (state.Adds.Count == 0 && state.Removes.Count == 0)
                {
                    elements.Remove(element);
                }
            }

            if (elements.Count == 0)
            {
                _sets.Remove(sk);
            }
        }

        return collected;
    }
}
