using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// The projects' arrows: every <c>ProjectReference</c> in <c>src/*/*.csproj</c> is one the table "Allowed references"
/// of docs/ARCHITECTURE.md allows, every project is in that table, and neither the references nor the table have a
/// cycle. The table is read from the document itself, so the doc and the check cannot drift apart.
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly string s_repository = typeof(ArchitectureTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    [Fact]
    public void EveryProjectReferenceInSrc_IsOneTheArchitectureAllows()
    {
        Dictionary<string, string[]> references = ProjectReferences();
        Assert.Contains("LobbyEdge.Engine", references.Keys);   // the projects were found

        Assert.Empty(Violations(AllowedReferences(), references));
    }

    [Fact]
    public void TheReferencesInSrc_AndTheTable_HaveNoCycle()
    {
        Assert.Null(FindCycle(ProjectReferences()));
        Assert.Null(FindCycle(AllowedReferences().ToDictionary(p => p.Key, p => p.Value.ToArray())));
    }

    [Fact]
    public void TheChecks_CatchAStrayReference_AnUnlistedProject_AndACycle()
    {
        Dictionary<string, HashSet<string>> allowed = AllowedReferences();
        var references = new Dictionary<string, string[]>
        {
            ["LobbyEdge.Engine"] = ["LobbyEdge.Runtime"],
            ["LobbyEdge.Runtime"] = ["LobbyEdge.Engine"],
            ["LobbyEdge.Devices"] = ["LobbyEdge.Simulator"],
            ["LobbyEdge.Newcomer"] = [],
        };

        string[] expected =
        [
            "LobbyEdge.Devices -> LobbyEdge.Simulator: not allowed",
            "LobbyEdge.Engine -> LobbyEdge.Runtime: not allowed",
            "LobbyEdge.Newcomer: not in the table",
        ];
        Assert.Equal(
            expected,
            Violations(allowed, references).Select(v => v[..v.IndexOf(" (", StringComparison.Ordinal)]).Order(StringComparer.Ordinal));
        Assert.Equal("LobbyEdge.Engine -> LobbyEdge.Runtime -> LobbyEdge.Engine", FindCycle(references));
    }

    [Fact]
    public void TheServicesNamespaces_FormADag()
    {
        Dictionary<string, string[]> uses = NamespaceUses(typeof(LobbyEdgeHost).Assembly, "LobbyEdge.Service");
        Assert.Contains("LobbyEdge.Service.Lobby", uses["LobbyEdge.Service"]);   // the uses were found

        string? cycle = FindCycle(uses);
        Assert.True(cycle is null, $"a cycle between the service's namespaces: {cycle}");
    }

    /// <summary>
    /// For each namespace of <paramref name="assembly"/> under <paramref name="root"/>, the other such namespaces its
    /// types use: in their signatures (base types, interfaces, fields, properties, parameters, return types, generic
    /// arguments) and in their method bodies (every type, method and field token of the IL).
    /// </summary>
    private static Dictionary<string, string[]> NamespaceUses(Assembly assembly, string root)
    {
        var uses = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        const BindingFlags everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (Type type in assembly.GetTypes())
        {
            if (type.Namespace is not { } from || !(from == root || from.StartsWith(root + ".", StringComparison.Ordinal)))
            {
                continue;
            }

            HashSet<string> to = uses.TryGetValue(from, out HashSet<string>? set) ? set : uses[from] = new HashSet<string>(StringComparer.Ordinal);
            void Use(Type? used)
            {
                if (used is null)
                {
                    return;
                }

                if (used.HasElementType)
                {
                    Use(used.GetElementType());
                    return;
                }

                if (used.IsGenericType && !used.IsGenericTypeDefinition)
                {
                    foreach (Type argument in used.GetGenericArguments())
                    {
                        Use(argument);
                    }
                }

                if (!used.IsGenericParameter && used.Assembly == assembly && used.Namespace is { } ns && ns != from
                    && (ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal)))
                {
                    to.Add(ns);
                }
            }

            Use(type.BaseType);
            foreach (Type i in type.GetInterfaces())
            {
                Use(i);
            }

            foreach (FieldInfo f in type.GetFields(everything))
            {
                Use(f.FieldType);
            }

            foreach (PropertyInfo p in type.GetProperties(everything))
            {
                Use(p.PropertyType);
            }

            foreach (MethodBase m in type.GetMethods(everything).Cast<MethodBase>().Concat(type.GetConstructors(everything)))
            {
                if (m is MethodInfo method)
                {
                    Use(method.ReturnType);
                }

                foreach (ParameterInfo parameter in m.GetParameters())
                {
                    Use(parameter.ParameterType);
                }

                foreach (int token in IlTokens(m.GetMethodBody()?.GetILAsByteArray() ?? []))
                {
                    try
                    {
                        Type[]? typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
                        Type[]? methodArguments = m.IsGenericMethod ? m.GetGenericArguments() : null;
                        switch (m.Module.ResolveMember(token, typeArguments, methodArguments))
                        {
                            case Type t:
                                Use(t);
                                break;
                            case MethodInfo { IsGenericMethod: true } generic:
                                Use(generic.DeclaringType);
                                foreach (Type argument in generic.GetGenericArguments())
                                {
                                    Use(argument);
                                }

                                break;
                            case MemberInfo member:
                                Use(member.DeclaringType);
                                break;
                            default:
                                break;
                        }
                    }
                    catch (ArgumentException)
                    {
                        // A token this module cannot resolve in this context (a signature or string token).
                    }
                }
            }
        }

        return uses.ToDictionary(u => u.Key, u => u.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The metadata tokens (types, methods, fields) in a method body's IL.</summary>
    private static List<int> IlTokens(byte[] il)
    {
        var tokens = new List<int>();
        for (int i = 0; i < il.Length;)
        {
            OpCode code = il[i] == 0xFE ? s_twoByte[il[i + 1]] : s_oneByte[il[i]];
            i += code.Size;
            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    tokens.Add(BitConverter.ToInt32(il, i));
                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    i += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString or OperandType.ShortInlineR:
                    i += 4;
                    break;
                case OperandType.InlineVar:
                    i += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    i += 1;
                    break;
                default:
                    break;
            }
        }

        return tokens;
    }

    private static readonly OpCode[] s_oneByte = OpCodeTable(twoByte: false);
    private static readonly OpCode[] s_twoByte = OpCodeTable(twoByte: true);

    private static OpCode[] OpCodeTable(bool twoByte)
    {
        var table = new OpCode[256];
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            if ((code.Size == 2) == twoByte)
            {
                table[(ushort)code.Value & 0xFF] = code;
            }
        }

        return table;
    }

    /// <summary>What a project of <c>src/</c> may reference, from the table of docs/ARCHITECTURE.md ("Allowed references").</summary>
    private static Dictionary<string, HashSet<string>> AllowedReferences()
    {
        string doc = Path.Combine(s_repository, "docs", "ARCHITECTURE.md");
        string[] lines = File.ReadAllLines(doc);
        int section = Array.FindIndex(lines, l => l.StartsWith("## Allowed references", StringComparison.Ordinal));
        Assert.True(section >= 0, $"{doc}: no section \"## Allowed references\"");
        var allowed = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        for (int i = section + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            if (TableRow().Match(lines[i]) is { Success: true } row)
            {
                string targets = row.Groups["targets"].Value.Trim();
                allowed.Add(row.Groups["project"].Value, targets == "nothing"
                    ? []
                    : [.. targets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(t => $"LobbyEdge.{t}")]);
            }
        }

        Assert.True(allowed.Count > 0, $"{doc}: no rows in \"## Allowed references\"");
        return allowed;
    }

    /// <summary>Each project of <c>src/</c> and the projects its <c>.csproj</c> references, by name.</summary>
    private static Dictionary<string, string[]> ProjectReferences() =>
        Directory.EnumerateFiles(Path.Combine(s_repository, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(
                f => Path.GetFileNameWithoutExtension(f),
                f => XDocument.Load(f).Descendants("ProjectReference")
                    .Select(r => Path.GetFileNameWithoutExtension(((string?)r.Attribute("Include") ?? "").Replace('\\', '/')))
                    .ToArray(),
                StringComparer.Ordinal);

    /// <summary>One line per reference the table does not allow and per project it does not name.</summary>
    private static List<string> Violations(Dictionary<string, HashSet<string>> allowed, Dictionary<string, string[]> references)
    {
        var violations = new List<string>();
        foreach ((string project, string[] targets) in references)
        {
            if (!allowed.TryGetValue(project, out HashSet<string>? may))
            {
                violations.Add($"{project}: not in the table (add it to docs/ARCHITECTURE.md, \"Allowed references\")");
                continue;
            }

            foreach (string target in targets.Where(t => !may.Contains(t)))
            {
                violations.Add($"{project} -> {target}: not allowed (docs/ARCHITECTURE.md, \"Allowed references\")");
            }
        }

        return violations;
    }

    /// <summary>A cycle as "A -> B -> A", or null when the graph has none (depth-first, three colours).</summary>
    private static string? FindCycle(Dictionary<string, string[]> graph)
    {
        var state = new Dictionary<string, bool>(StringComparer.Ordinal);   // false: on the path; true: done
        var path = new List<string>();

        string? Visit(string node)
        {
            if (state.TryGetValue(node, out bool done))
            {
                return done ? null : string.Join(" -> ", path.Skip(path.IndexOf(node)).Append(node));
            }

            state[node] = false;
            path.Add(node);
            foreach (string next in graph.GetValueOrDefault(node) ?? [])
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = true;
            return null;
        }

        foreach (string node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(node) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^\|\s*`(?<project>LobbyEdge\.[\w.]+)`\s*\|(?<targets>[^|]*)\|\s*$")]
    private static partial Regex TableRow();
}
