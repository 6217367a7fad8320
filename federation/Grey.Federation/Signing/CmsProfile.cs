using System.Formats.Asn1;
using System.Numerics;

namespace Grey.Federation.Signing;

/// <summary>
/// The one DER profile of CMS SignedData (RFC 5652) the formats accept: version 3, digest SHA-256 without
/// parameters, content type id-data with the content detached, no certificates, no CRLs, exactly one
/// SignerInfo of version 3 naming its signer by subject key identifier, no signed or unsigned attributes,
/// signature algorithm ecdsa-with-SHA256, and an ECDSA-Sig-Value in strict DER with a low S (S at most half
/// the group order; the high-S twin of a signature is refused). Parsing re-encodes the two variable parts
/// and demands the same bytes, so no byte of an accepted SignedData can change without refusal.
/// </summary>
internal static class CmsProfile
{
    private const string OidSignedData = "1.2.840.113549.1.7.2";
    private const string OidData = "1.2.840.113549.1.7.1";
    private const string OidSha256 = "2.16.840.1.101.3.4.2.1";
    private const string OidEcdsaSha256 = "1.2.840.10045.4.3.2";

    /// <summary>The order n of the P-256 group.</summary>
    private static readonly BigInteger P256Order = BigInteger.Parse(
        "0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber,
        System.Globalization.CultureInfo.InvariantCulture);

    private static readonly BigInteger HalfOrder = P256Order >> 1;

    public static byte[] Encode(ReadOnlySpan<byte> keyId, ReadOnlySpan<byte> signature)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(OidSignedData);
            using (w.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            using (w.PushSequence())
            {
                w.WriteInteger(3);
                using (w.PushSetOf())
                {
                    WriteAlgorithm(w, OidSha256);
                }

                using (w.PushSequence())
                {
                    w.WriteObjectIdentifier(OidData);
                }

                using (w.PushSetOf())
                using (w.PushSequence())
                {
                    w.WriteInteger(3);
                    w.WriteOctetString(keyId, new Asn1Tag(TagClass.ContextSpecific, 0));
                    WriteAlgorithm(w, OidSha256);
                    WriteAlgorithm(w, OidEcdsaSha256);
                    w.WriteOctetString(signature);
                }
            }
        }

        return w.Encode();
    }

    /// <summary>Parses a SignedData of the profile; returns false with a precise error otherwise.</summary>
    public static bool TryParse(ReadOnlySpan<byte> der, out byte[] keyId, out byte[] signature, out string error)
    {
        keyId = [];
        signature = [];
        if (der.Length > FederationLimits.MaxSignedDataBytes)
        {
            error = $"SignedData: {der.Length} bytes, at most {FederationLimits.MaxSignedDataBytes} allowed";
            return false;
        }

        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            AsnReader contentInfo = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            Expect(contentInfo.ReadObjectIdentifier() == OidSignedData, "content type is not signedData");
            AsnReader explicit0 = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
            AsnReader signedData = explicit0.ReadSequence();
            Expect(signedData.ReadInteger() == 3, "SignedData version is not 3");
            AsnReader digestAlgs = signedData.ReadSetOf();
            ExpectAlgorithm(digestAlgs.ReadSequence(), OidSha256);
            AsnReader encap = signedData.ReadSequence();
            Expect(encap.ReadObjectIdentifier() == OidData, "encapsulated content type is not id-data");
            AsnReader signerInfos = signedData.ReadSetOf();
            AsnReader si = signerInfos.ReadSequence();
            Expect(si.ReadInteger() == 3, "SignerInfo version is not 3");
            keyId = si.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 0));
            Expect(keyId.Length is > 0 and <= FederationLimits.MaxKeyIdBytes, "subject key identifier length out of range");
            ExpectAlgorithm(si.ReadSequence(), OidSha256);
            ExpectAlgorithm(si.ReadSequence(), OidEcdsaSha256);
            signature = si.ReadOctetString();
            CheckEcdsaSignature(signature);
        }
        catch (Exception e) when (e is AsnContentException or CmsProfileException or ArgumentException)
        {
            error = $"SignedData outside the accepted profile: {e.Message}";
            return false;
        }

        // Anything extra the walk above skipped (a second signer, certificates, attributes, eContent)
        // makes the bytes differ from the profile's own encoding.
        if (!Encode(keyId, signature).AsSpan().SequenceEqual(der))
        {
            error = "SignedData outside the accepted profile: extra or different fields";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Returns the low-S form of a DER ECDSA-Sig-Value (the same signature, mirrored when S is high).</summary>
    public static byte[] NormalizeLowS(byte[] signature)
    {
        var reader = new AsnReader(signature, AsnEncodingRules.DER);
        AsnReader seq = reader.ReadSequence();
        BigInteger r = seq.ReadInteger();
        BigInteger s = seq.ReadInteger();
        if (s <= HalfOrder)
        {
            return signature;
        }

        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(r);
            w.WriteInteger(P256Order - s);
        }

        return w.Encode();
    }

    private static void CheckEcdsaSignature(byte[] signature)
    {
        var reader = new AsnReader(signature, AsnEncodingRules.DER);
        AsnReader seq = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        BigInteger r = seq.ReadInteger();
        BigInteger s = seq.ReadInteger();
        seq.ThrowIfNotEmpty();
        Expect(r > 0 && r < P256Order, "ECDSA r out of range");
        Expect(s > 0 && s <= HalfOrder, "ECDSA s is zero or high (only low-S signatures are accepted)");
    }

    private static void WriteAlgorithm(AsnWriter w, string oid)
    {
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(oid);
        }
    }

    private static void ExpectAlgorithm(AsnReader alg, string oid)
    {
        Expect(alg.ReadObjectIdentifier() == oid, $"algorithm is not {oid}");
        Expect(!alg.HasData, $"algorithm {oid} carries parameters");
    }

    private static void Expect(bool condition, string message)
    {
        if (!condition)
        {
            throw new CmsProfileException(message);
        }
    }

    private sealed class CmsProfileException(string message) : Exception(message);
}
