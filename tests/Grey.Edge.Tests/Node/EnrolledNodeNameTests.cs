using Grey.Edge.Node;
using Grey.Federation.Identifiers;

namespace Grey.Edge.Tests.Node;

public sealed class EnrolledNodeNameTests
{
    [Fact]
    public void For_ShortSite_SiteDashNodeName() => Assert.Equal("plant-7-n3", EnrolledNodeName.For("plant-7", 3));

    [Fact]
    public void For_SameRaftIdAtTwoSites_DifferentNames() =>
        Assert.NotEqual(EnrolledNodeName.For("store-1", 1), EnrolledNodeName.For("store-2", 1));

    [Fact]
    public void For_LongSites_ValidDistinctFederationIds()
    {
        string a = new string('a', 62) + "x";
        string b = new string('a', 62) + "y";
        string na = EnrolledNodeName.For(a, 12345);
        string nb = EnrolledNodeName.For(b, 12345);
        Assert.True(FederationId.IsValid(na), na);
        Assert.True(FederationId.IsValid(nb), nb);
        Assert.Equal(EnrolledNodeName.MaxLength, na.Length);
        Assert.NotEqual(na, nb);
        Assert.EndsWith("-n12345", na);
    }
}
