namespace Grey.Federation.State;

/// <summary>
/// How far a region has merged one site epoch: the highest merged log index and the chain hash at it.
/// </summary>
public sealed class SiteProgress
{
    private readonly byte[] _chainHash;

    internal SiteProgress(string site, ulong epoch, ulong mergedIndex, byte[] chainHash)
    {
        Site = site;
        Epoch = epoch;
        MergedIndex = mergedIndex;
        _chainHash = chainHash;
    }

    /// <summary>The site.</summary>
    public string Site { get; }

    /// <summary>The site's epoch (a new one after the site is wiped and bootstrapped again).</summary>
    public ulong Epoch { get; }

    /// <summary>The highest merged log index.</summary>
    public ulong MergedIndex { get; }

    /// <summary>The chain hash after every data entry up to <see cref="MergedIndex"/>.</summary>
    public ReadOnlySpan<byte> ChainHash => _chainHash;

    internal byte[] RawChainHash => _chainHash;
}
