using System.Security.Cryptography.X509Certificates;

namespace Grey.Federation.Merge;

/// <summary>A signer the region trusts right now: the site its node belongs to and its delta-signing certificate.</summary>
public sealed record KnownSigner(string Site, X509Certificate2 Certificate);
