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

    /// <summary>Treats a failed compare-and-set as one whose outcome is unknown (it may have swapped).</summary>
    public sealed class FailedCasMayHaveSwapped : IRegisterModel
    {
        public bool Step(long? state, HistoryOperation operation, out long? next)
        {
            if (operation.Kind == OperationKind.Cas && !operation.Ok && !operation.IsUnknown)
            {
                next = state == operation.Expected ? operation.Value : state;
                return true;
            }

            return RegisterModel.Instance.Step(state, operation, out next);
        }
    }
}
