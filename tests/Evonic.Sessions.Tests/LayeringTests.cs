using System.Reflection;
using System.Reflection.Emit;
using Evonic.Sessions.Storage;

namespace Evonic.Sessions.Tests;

/// <summary>
/// The folders of the store are layers that point one way: the objects users see, then Storage (what Evonic keeps),
/// Rules (what may go), Archive, Cleanup, Scheduling, and the entry points. A type may use its own layer and those
/// below it, never one above: read from the compiled code (signatures, fields, locals and every token in the IL, with
/// lambdas and iterators counted as the type that wrote them), so a reference through <c>var</c> counts too.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Bottom to top. The root namespace is the objects users see, except the entry points.</summary>
    private static readonly string[] Layers =
    {
        "Objects",
        "Storage",
        "Rules",
        "Archive",
        "Cleanup",
        "Erasure",
        "Scheduling",
        "Entry",
    };

    private static readonly HashSet<string> EntryPoints = new(StringComparer.Ordinal)
    {
        "Evonic.Sessions.SessionStore",
        "Evonic.Sessions.CleanupRun",
        "Evonic.Sessions.ICleanupRunHost",
    };

    private static readonly Assembly Store = typeof(SessionStore).Assembly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    [Fact]
    public void No_type_uses_a_type_of_a_higher_layer()
    {
        var upward = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type type in Store.GetTypes().Where(IsOurs))
        {
            Type owner = Outermost(type);
            int layer = LayerOf(owner);
            foreach (
                Type used in Uses(type).Select(Outermost).Where(u => IsOurs(u) && u.Assembly == Store && u != owner)
            )
                if (LayerOf(used) > layer)
                    upward.Add($"{Layers[layer]}: {owner.Name} uses {Layers[LayerOf(used)]}: {used.Name}");
        }
        Assert.True(upward.Count == 0, "Types that use a higher layer:\n" + string.Join("\n", upward));
    }

    [Fact]
    public void Every_type_belongs_to_a_layer()
    {
        Assert.All(Store.GetTypes().Where(IsOurs).Select(Outermost).Distinct(), t => LayerOf(t));
        // The check sees what it must: the entry point uses the lowest layers, and Storage is used from above.
        Assert.Contains(typeof(EvonicInstance), Uses(typeof(SessionStore)).Select(Outermost));
    }

    private static int LayerOf(Type type)
    {
        string ns = type.Namespace ?? "";
        if (ns == "Evonic.Sessions")
            return EntryPoints.Contains(type.FullName!) ? Layers.Length - 1 : 0;
        string folder = ns.StartsWith("Evonic.Sessions.", StringComparison.Ordinal)
            ? ns["Evonic.Sessions.".Length..]
            : ns;
        int index = Array.IndexOf(Layers, folder);
        Assert.True(index > 0, $"{type.FullName}: namespace '{ns}' is not a layer");
        return index;
    }

    /// <summary>The store's own types (not the attributes and helpers the compiler embeds in every assembly).</summary>
    private static bool IsOurs(Type type) =>
        Outermost(type).Namespace is { } ns
        && (ns == "Evonic.Sessions" || ns.StartsWith("Evonic.Sessions.", StringComparison.Ordinal));

    private static Type Outermost(Type type)
    {
        while (type.IsNested)
            type = type.DeclaringType!;
        return type;
    }

    /// <summary>Every type <paramref name="type"/>'s own code names (not its nested types': they are visited on their
    /// own).</summary>
    private static HashSet<Type> Uses(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t == null || t.IsGenericParameter)
                return;
            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (Type argument in t.GetGenericArguments())
                    Add(argument);
                Add(t.GetGenericTypeDefinition());
                return;
            }
            found.Add(t);
        }

        const BindingFlags All =
            BindingFlags.Public
            | BindingFlags.NonPublic
            | BindingFlags.Instance
            | BindingFlags.Static
            | BindingFlags.DeclaredOnly;
        Add(type.BaseType);
        foreach (Type i in type.GetInterfaces())
            Add(i);
        foreach (FieldInfo field in type.GetFields(All))
            Add(field.FieldType);
        foreach (PropertyInfo property in type.GetProperties(All))
            Add(property.PropertyType);
        foreach (MethodBase method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (method is MethodInfo info)
                Add(info.ReturnType);
            foreach (ParameterInfo parameter in method.GetParameters())
                Add(parameter.ParameterType);
            MethodBody? body = method.GetMethodBody();
            if (body == null)
                continue;
            foreach (LocalVariableInfo local in body.LocalVariables)
                Add(local.LocalType);
            foreach (MemberInfo member in Tokens(method, body.GetILAsByteArray()!))
            {
                switch (member)
                {
                    case Type t:
                        Add(t);
                        break;
                    case FieldInfo f:
                        Add(f.DeclaringType);
                        Add(f.FieldType);
                        break;
                    case MethodBase m:
                        Add(m.DeclaringType);
                        if (m.IsGenericMethod)
                            foreach (Type argument in m.GetGenericArguments())
                                Add(argument);
                        break;
                }
            }
        }
        return found;
    }

    /// <summary>The members the IL names (calls, field accesses, types in casts, <c>newobj</c>,
    /// <c>ldtoken</c>...).</summary>
    private static IEnumerable<MemberInfo> Tokens(MethodBase method, byte[] il)
    {
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } declaring
            ? declaring.GetGenericArguments()
            : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? unchecked((short)(0xFE00 | il[at + 1])) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            OpCode code = OpCodesByValue[value];
            switch (code.OperandType)
            {
                case OperandType.InlineField
                or OperandType.InlineMethod
                or OperandType.InlineType
                or OperandType.InlineTok:
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(
                            BitConverter.ToInt32(il, at),
                            typeArguments,
                            methodArguments
                        );
                    }
                    catch (ArgumentException)
                    {
                        // A token of another module's generic context: not a type of the store.
                    }
                    if (member != null)
                        yield return member;
                    at += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + 4 * BitConverter.ToInt32(il, at);
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }
}
