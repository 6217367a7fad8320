using Grey.Federation.Identifiers;

namespace Grey.Federation.Tests.Identifiers;

public sealed class FederationIdTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("site-1")]
    [InlineData("0abc-def")]
    [InlineData("a23456789012345678901234567890123456789012345678901234567890123")]
    public void IsValid_ValidIds_True(string id) => Assert.True(FederationId.IsValid(id));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("-site")]
    [InlineData("Site")]
    [InlineData("site.a")]
    [InlineData("site_a")]
    [InlineData("site a")]
    [InlineData("site>")]
    [InlineData("site*")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void IsValid_InvalidIds_False(string? id) => Assert.False(FederationId.IsValid(id));

    [Fact]
    public void Require_Invalid_ThrowsWithPattern()
    {
        var e = Assert.Throws<ArgumentException>(() => FederationId.Require("Bad", "id"));
        Assert.Contains("[a-z0-9]", e.Message, StringComparison.Ordinal);
    }
}
