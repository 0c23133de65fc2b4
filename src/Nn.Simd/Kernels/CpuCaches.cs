using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>
/// Cache sizes for <see cref="CpuDescription"/>: L1 data, L2 and L3, one instance each, in bytes.
/// </summary>
/// <remarks>
/// x86: the deterministic cache parameters (<c>CPUID</c> leaf 4 on Intel, 0x8000001D on AMD and
/// Hygon), whose every sub-leaf gives one cache as ways × partitions × line size × sets; AMD's
/// older leaves 0x80000005 (L1d in KB) and 0x80000006 (L2 in KB, L3 in 512 KB units) where the
/// deterministic leaf is missing. Linux on any CPU: <c>/sys/devices/system/cpu/cpu0/cache/index*/</c>
/// with <c>level</c>, <c>type</c> and <c>size</c> ("48K").
/// </remarks>
internal static class CpuCaches
{
    private const int DataCache = 1;
    private const int UnifiedCache = 3;

    /// <summary>One sub-leaf of CPUID leaf 4 / 0x8000001D: level, type (0 none, 1 data, 2 instruction, 3 unified) and size.</summary>
    internal static (int Level, int Type, long Bytes) DecodeDeterministicLeaf(int eax, int ebx, int ecx)
    {
        long ways = ((uint)ebx >> 22) + 1;
        long partitions = (((uint)ebx >> 12) & 0x3FF) + 1;
        long lineSize = ((uint)ebx & 0xFFF) + 1;
        long sets = (long)(uint)ecx + 1;
        return ((eax >> 5) & 0x7, eax & 0x1F, ways * partitions * lineSize * sets);
    }

    /// <summary>AMD's legacy leaves: 0x80000005 ECX[31:24] = L1d KB; 0x80000006 ECX[31:16] = L2 KB, EDX[31:18] = L3 in 512 KB units (0 = none).</summary>
    internal static (long? L1Data, long? L2, long? L3) DecodeAmdLegacyLeaves(int ecx5, int ecx6, int edx6)
    {
        long l1 = ((uint)ecx5 >> 24) * 1024L;
        long l2 = ((uint)ecx6 >> 16) * 1024L;
        long l3 = ((uint)edx6 >> 18) * 512L * 1024;
        return (l1 == 0 ? null : l1, l2 == 0 ? null : l2, l3 == 0 ? null : l3);
    }

    /// <summary>Reads the caches of the running CPU through <c>CPUID</c> (requires <see cref="X86Base.IsSupported"/>).</summary>
    internal static (long? L1Data, long? L2, long? L3) ReadCpuId(string vendorId, int maxLeaf, int maxExtendedLeaf)
    {
        uint maxExtended = (uint)maxExtendedLeaf;
        int? deterministic = vendorId switch
        {
            "GenuineIntel" when maxLeaf >= 4 => 4,
            "AuthenticAMD" or "HygonGenuine" when maxExtended >= 0x8000001D => unchecked((int)0x8000001D),
            _ => null,
        };
        (long? l1, long? l2, long? l3) = (null, null, null);
        if (deterministic is { } leaf)
        {
            for (int sub = 0; sub < 16; sub++)
            {
                (int eax, int ebx, int ecx, _) = X86Base.CpuId(leaf, sub);
                (int level, int type, long bytes) = DecodeDeterministicLeaf(eax, ebx, ecx);
                if (type == 0)
                {
                    break;
                }

                Assign(level, type, bytes, ref l1, ref l2, ref l3);
            }
        }

        if (l1 is null && l2 is null && vendorId is "AuthenticAMD" or "HygonGenuine" && maxExtended >= 0x80000006)
        {
            int ecx5 = X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx;
            (_, _, int ecx6, int edx6) = X86Base.CpuId(unchecked((int)0x80000006), 0);
            (l1, l2, l3) = DecodeAmdLegacyLeaves(ecx5, ecx6, edx6);
        }

        return (l1, l2, l3);
    }

    /// <summary>
    /// Reads a Linux sysfs cache folder (<c>…/cpu0/cache</c>): each <c>index*</c> subfolder's
    /// <c>level</c>, <c>type</c> (Data, Instruction, Unified) and <c>size</c>. Missing or unreadable
    /// entries leave their level <see langword="null"/>.
    /// </summary>
    internal static (long? L1Data, long? L2, long? L3) ReadSysfs(string folder)
    {
        (long? l1, long? l2, long? l3) = (null, null, null);
        try
        {
            if (!Directory.Exists(folder))
            {
                return (l1, l2, l3);
            }

            foreach (string index in Directory.EnumerateDirectories(folder, "index*").Order(StringComparer.Ordinal))
            {
                int? level = CpuInfo.ParseInteger(ReadLine(Path.Combine(index, "level")));
                int type = ReadLine(Path.Combine(index, "type")) switch
                {
                    "Data" => DataCache,
                    "Unified" => UnifiedCache,
                    _ => 0,
                };
                if (level is { } l && type != 0 && ParseSize(ReadLine(Path.Combine(index, "size"))) is { } bytes)
                {
                    Assign(l, type, bytes, ref l1, ref l2, ref l3);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (l1, l2, l3);
        }

        return (l1, l2, l3);
    }

    /// <summary>A sysfs size: a number of bytes with an optional K, M or G suffix (binary multiples).</summary>
    internal static long? ParseSize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        long multiplier = char.ToUpperInvariant(text[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            _ => 1,
        };
        ReadOnlySpan<char> digits = multiplier == 1 ? text : text.AsSpan(0, text.Length - 1);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value * multiplier : null;
    }

    private static string? ReadLine(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;

    /// <summary>Keeps the first L1 data, L2 and L3 cache seen (instruction caches are not reported).</summary>
    private static void Assign(int level, int type, long bytes, ref long? l1, ref long? l2, ref long? l3)
    {
        switch (level)
        {
            case 1 when type == DataCache:
                l1 ??= bytes;
                break;
            case 2 when type is DataCache or UnifiedCache:
                l2 ??= bytes;
                break;
            case 3 when type is DataCache or UnifiedCache:
                l3 ??= bytes;
                break;
        }
    }
}
