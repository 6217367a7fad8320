using Grey.Federation.Identifiers;

namespace Grey.Federation.Tests.Identifiers;

public sealed class KeyNamesTests
{
    [Fact]
    public void ScopeOf_SharedKey_SharedScope() => Assert.Equal(KeyNames.SharedScope, KeyNames.ScopeOf("site-a", "shared/x"));

    [Fact]
    public void ScopeOf_SiteOrDesiredKey_SiteScope()
    {
        Assert.Equal("site-a", KeyNames.ScopeOf("site-a", "temp"));
        Assert.Equal("site-a", KeyNames.ScopeOf("site-a", "desired/x"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("with space")]
    [InlineData("tab\t")]
    [InlineData("é")]
    public void IsValid_BadKeys_False(string key) => Assert.False(KeyNames.IsValid(key));

    [Fact]
    public void IsValid_TooLong_False() => Assert.False(KeyNames.IsValid(new string('a', FederationLimits.MaxKeyBytes + 1)));

    [Fact]
    public void IsValidElement_ControlCharacter_False() => Assert.False(KeyNames.IsValidElement("a\u0001"));
}
