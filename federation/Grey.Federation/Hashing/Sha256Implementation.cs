namespace Grey.Federation.Hashing;

/// <summary>Which SHA-256 computes the chain hash (<see cref="Chain.ChainHash.UseImplementation"/>). Both give the same bytes.</summary>
public enum Sha256Implementation
{
    /// <summary>.NET's <see cref="System.Security.Cryptography.SHA256"/> (OpenSSL on Linux): the fastest, the default.</summary>
    System,

    /// <summary><see cref="ManagedSha256"/>: slower, but loads no native cryptography library.</summary>
    Managed,
}
