using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace LobbyEdge.Service.Tests;

/// <summary>
/// A <c>LobbyEvent</c>'s union fields (<c>A</c>, <c>B</c>, <c>Count</c>, <c>Detail</c>, <c>Reason</c>) mean something
/// different per kind; outside the engine they are read through the kind's view (<c>e.AsTicketCalled()</c>, …).
/// Read from the compiled code: every LobbyEdge assembly next to this one, whichever projects the host is made of.
/// </summary>
public sealed class EventFieldReadTests
{
    private static readonly string[] s_rawGetters = ["get_A", "get_B", "get_Count", "get_Detail", "get_Reason"];

    [Fact]
    public void OutsideTheEngine_OnlyTheLogsRecordCodec_ReadsTheRawUnionFields()
    {
        // The service's own assembly is lobby-edge.dll; the parts and these tests are LobbyEdge.*.dll.
        string[] assemblies =
        [
            .. Directory.GetFiles(AppContext.BaseDirectory, "LobbyEdge.*.dll").Where(p => Path.GetFileName(p) != "LobbyEdge.Engine.dll"),
            typeof(LobbyEdgeHost).Assembly.Location,
        ];
        Assert.Contains(assemblies, p => Path.GetFileName(p) == "LobbyEdge.EventLog.dll");

        var readers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string path in assemblies)
        {
            readers.UnionWith(RawReaders(path));
        }

        // The on-disk record is written field by field (byte-for-byte the format older logs have); nothing else reads them.
        Assert.Equal(["LobbyEdge.EventLog: LobbyEdge.EventLog.RecordCodec.WriteEvent"], readers);
    }

    /// <summary>The methods of an assembly whose IL calls one of LobbyEvent's raw getters.</summary>
    private static IEnumerable<string> RawReaders(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader md = pe.GetMetadataReader();
        var getters = new HashSet<int>();
        foreach (MemberReferenceHandle h in md.MemberReferences)
        {
            MemberReference member = md.GetMemberReference(h);
            if (member.Parent.Kind == HandleKind.TypeReference
                && md.GetTypeReference((TypeReferenceHandle)member.Parent) is { } type
                && md.GetString(type.Name) == "LobbyEvent" && md.GetString(type.Namespace) == "LobbyEdge.Engine"
                && s_rawGetters.Contains(md.GetString(member.Name)))
            {
                getters.Add(MetadataTokens.GetToken(h));
            }
        }

        var found = new List<string>();
        if (getters.Count == 0)
        {
            return found;
        }

        foreach (TypeDefinitionHandle th in md.TypeDefinitions)
        {
            TypeDefinition type = md.GetTypeDefinition(th);
            foreach (MethodDefinitionHandle mh in type.GetMethods())
            {
                MethodDefinition method = md.GetMethodDefinition(mh);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                byte[] il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!;
                for (int i = 0; i + 4 < il.Length; i++)
                {
                    // call (0x28) or callvirt (0x6F) with a 4-byte member token.
                    if (il[i] is 0x28 or 0x6F && getters.Contains(BitConverter.ToInt32(il, i + 1)))
                    {
                        found.Add($"{Path.GetFileNameWithoutExtension(path)}: {md.GetString(type.Namespace)}.{md.GetString(type.Name)}.{md.GetString(method.Name)}");
                        break;
                    }
                }
            }
        }

        return found;
    }
}
