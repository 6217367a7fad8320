namespace Grey.Linearizability.Tests;

public sealed class HistoryReaderTests
{
    [Fact]
    public void Read_HistoryFile_UsesTheModelItNames()
    {
        HistoryParseResult result = HistoryReader.Read("# a comment first\ngrey-history 1 kv\n0 a write 1 - - ok 1 2\n", ModelKind.Register);
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(ModelKind.Kv, result.Model);
    }

    [Fact]
    public void Read_JepsenLog_UsesTheDefaultModel()
    {
        HistoryParseResult result = HistoryReader.Read("INFO  jepsen.util - 0\t:invoke\t:write\t1\n", ModelKind.Kv);
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(ModelKind.Kv, result.Model);
        Assert.Equal(JepsenLog.Key, result.Operations[0].Key);
    }

    [Fact]
    public void Read_NeitherFormat_IsMalformedAsJepsen()
    {
        HistoryParseResult result = HistoryReader.Read("\n{\"json\": true}\n", ModelKind.Register);
        Assert.Equal("malformed: line 2: not a Jepsen event: expected '... jepsen.util - PROCESS TYPE F VALUE'", result.Error);
    }
}
