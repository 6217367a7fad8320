namespace Grey.Edge.Daemon.Hosting;

/// <summary>What the first bytes of a plaintext API connection say about its protocol.</summary>
internal enum ApiPrefaceKind
{
    /// <summary>Too few bytes to tell yet.</summary>
    NeedMore,

    /// <summary>An HTTP/1.x request line (or anything that is not the HTTP/2 preface: HTTP/1.1 answers it with 400).</summary>
    Http1,

    /// <summary>The HTTP/2 connection preface (<c>PRI * HTTP/2.0</c>, RFC 9113 §3.4): a client with prior knowledge.</summary>
    Http2,
}

/// <summary>
/// Tells HTTP/1.1 from HTTP/2 with prior knowledge (h2c) on the API's one plaintext port. Only the method
/// matters: "PRI" is reserved for the HTTP/2 preface (RFC 9113 §3.4) and no HTTP/1.1 method starts with it,
/// so three bytes decide every connection ("PROPFIND" and "PATCH" share only a prefix). Kestrel does not
/// do this itself: without TLS it serves an HTTP/1.1-and-HTTP/2 endpoint as HTTP/1.1 only.
/// </summary>
internal static class ApiPreface
{
    /// <summary>The bytes that decide the protocol: the HTTP/2 preface's method.</summary>
    public static ReadOnlySpan<byte> Method => "PRI"u8;

    /// <summary>Classifies a connection from the bytes received so far (any length, including none).</summary>
    public static ApiPrefaceKind Classify(ReadOnlySpan<byte> first)
    {
        ReadOnlySpan<byte> method = Method;
        int n = Math.Min(first.Length, method.Length);
        if (!first[..n].SequenceEqual(method[..n]))
        {
            return ApiPrefaceKind.Http1;
        }

        return n == method.Length ? ApiPrefaceKind.Http2 : ApiPrefaceKind.NeedMore;
    }
}
