using Grey.Linearizability.Checking;

namespace Grey.Linearizability.Tests.Checking;

/// <summary>Deliberately wrong register models, to show that the tests notice a broken checker.</summary>
internal static class BrokenModels
{
    /// <summary>Accepts every read whatever the register holds: stale and invented reads pass.</summary>
    public sealed class AcceptAnyRead : IRegisterModel
    {
        public bool Step(long? state, HistoryOperation operation, out long? next)
        {
            if (operation.Kind == OperationKind.Read)
            {
                next = state;
                return true;
            }

            return RegisterModel.Instance.Step(state, operation, out next);
        }
    }
}
