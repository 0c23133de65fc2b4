using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Nn.Simd.Kernels;

/// <summary>What the processor and the operating system say about the CPU, for reports and benchmark records.</summary>
public static class CpuInfo
{
    private const string ProcCpuInfo = "/proc/cpuinfo";
    private const string SysfsCacheFolder = "/sys/devices/system/cpu/cpu0/cache";

    private static readonly Lazy<string> s_modelName = new(ReadModelName);
    private static readonly Lazy<CpuDescription> s_description = new(ReadDescription);

    /// <summary>
    /// The processor's model name (Linux: <c>/proc/cpuinfo</c>), followed by the logical core
    /// count; the architecture alone where the name cannot be read.
    /// </summary>
    public static string ModelName => s_modelName.Value;

    /// <summary>
    /// The CPU exactly: vendor, brand, family / model / stepping (x86) or part / revision (ARM64),
    /// cache sizes, the vector features the dispatcher saw, logical cores, runtime, OS and the
    /// kernel path active now. The hardware is read once per process; fields it does not reveal
    /// are <see langword="null"/>.
    /// </summary>
    /// <returns>A description whose <see cref="CpuDescription.KernelPath"/> is <see cref="KernelDispatch.Active"/> at the call.</returns>
    public static CpuDescription Describe() => s_description.Value with { KernelPath = KernelDispatch.Active };

    /// <summary>
    /// x86 <c>CPUID</c> leaf 1 EAX to the display family, model and stepping: the extended family
    /// (bits 20–27) is added when the base family (bits 8–11) is 0xF, and the extended model
    /// (bits 16–19) becomes the model's high nibble when the base family is 6 or 0xF.
    /// </summary>
    internal static (int Family, int Model, int Stepping) DecodeSignature(uint eax)
    {
        int baseFamily = (int)((eax >> 8) & 0xF);
        int family = baseFamily == 0xF ? baseFamily + (int)((eax >> 20) & 0xFF) : baseFamily;
        int model = (int)((eax >> 4) & 0xF);
        if (baseFamily is 6 or 0xF)
        {
            model |= (int)((eax >> 16) & 0xF) << 4;
        }

        return (family, model, (int)(eax & 0xF));
    }

    /// <summary>
    /// The first processor's lines of a <c>/proc/cpuinfo</c> text as key → value (keys trimmed,
    /// e.g. "cpu family", "CPU implementer"); later processors are ignored.
    /// </summary>
    internal static Dictionary<string, string> ParseProcCpuInfo(IEnumerable<string> lines)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            string key = line[..colon].Trim();
            if (key == "processor" && fields.ContainsKey("processor"))
            {
                break;
            }

            fields.TryAdd(key, line[(colon + 1)..].Trim());
        }

        return fields;
    }

    /// <summary>
    /// The identity fields a <c>/proc/cpuinfo</c> text gives: x86 (<c>vendor_id</c>,
    /// <c>cpu family</c>, <c>model</c>, <c>stepping</c>, <c>model name</c>) or ARM64
    /// (<c>CPU implementer</c>, <c>CPU part</c>, <c>CPU variant</c>, <c>CPU revision</c>).
    /// </summary>
    internal static CpuDescription WithProcCpuInfo(CpuDescription description, Dictionary<string, string> fields)
    {
        if (fields.TryGetValue("CPU implementer", out string? implementer) && ParseInteger(implementer) is { } code)
        {
            return description with
            {
                Vendor = ArmImplementer(code),
                VendorId = string.Create(CultureInfo.InvariantCulture, $"0x{code:x2}"),
                Brand = fields.GetValueOrDefault("model name"),
                Part = ParseInteger(fields.GetValueOrDefault("CPU part")),
                Variant = ParseInteger(fields.GetValueOrDefault("CPU variant")),
                Revision = ParseInteger(fields.GetValueOrDefault("CPU revision")),
            };
        }

        string? vendorId = fields.GetValueOrDefault("vendor_id");
        return description with
        {
            Vendor = vendorId is null ? null : X86Vendor(vendorId),
            VendorId = vendorId,
            Brand = fields.GetValueOrDefault("model name"),
            Family = ParseInteger(fields.GetValueOrDefault("cpu family")),
            Model = ParseInteger(fields.GetValueOrDefault("model")),
            Stepping = ParseInteger(fields.GetValueOrDefault("stepping")),
        };
    }

    /// <summary>A decimal or 0x-prefixed hexadecimal integer; <see langword="null"/> for anything else.</summary>
    internal static int? ParseInteger(string? text)
    {
        if (text is null)
        {
            return null;
        }

        text = text.Trim();
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? int.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int hex) ? hex : null
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
    }

    private static string X86Vendor(string vendorId) => vendorId switch
    {
        "AuthenticAMD" => "AMD",
        "GenuineIntel" => "Intel",
        "HygonGenuine" => "Hygon",
        "CentaurHauls" or "  Shanghai  " => "Zhaoxin",
        _ => vendorId.Trim(),
    };

    /// <summary>The MIDR implementer codes of ARM64 server and laptop CPUs.</summary>
    private static string ArmImplementer(int code) => code switch
    {
        0x41 => "Arm",
        0x42 => "Broadcom",
        0x43 => "Cavium",
        0x46 => "Fujitsu",
        0x48 => "HiSilicon",
        0x4E => "NVIDIA",
        0x51 => "Qualcomm",
        0x53 => "Samsung",
        0x61 => "Apple",
        0x6D => "Microsoft",
        0xC0 => "Ampere",
        _ => string.Create(CultureInfo.InvariantCulture, $"implementer 0x{code:x2}"),
    };

    private static CpuDescription ReadDescription()
    {
        var description = new CpuDescription
        {
            Features = KernelDispatch.FeatureNames(),
            LogicalCores = Environment.ProcessorCount,
            Runtime = RuntimeInformation.FrameworkDescription,
            OperatingSystem = RuntimeInformation.OSDescription,
            Architecture = RuntimeInformation.ProcessArchitecture.ToString(),
            KernelPath = KernelDispatch.Active,
        };
        Dictionary<string, string> proc = ReadProcCpuInfo();
        if (X86Base.IsSupported)
        {
            description = WithCpuId(description);
            description = description with { Brand = description.Brand ?? proc.GetValueOrDefault("model name") };
        }
        else
        {
            description = WithProcCpuInfo(description, proc);
        }

        (long? l1, long? l2, long? l3) = CpuCaches.ReadSysfs(SysfsCacheFolder);
        return description with
        {
            L1DataBytes = description.L1DataBytes ?? l1,
            L2Bytes = description.L2Bytes ?? l2,
            L3Bytes = description.L3Bytes ?? l3,
        };
    }

    private static CpuDescription WithCpuId(CpuDescription description)
    {
        (int maxLeaf, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        string vendorId = Ascii([ebx, edx, ecx]);
        (int signature, _, _, _) = X86Base.CpuId(1, 0);
        (int family, int model, int stepping) = DecodeSignature((uint)signature);
        int maxExtended = X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        string? brand = null;
        if ((uint)maxExtended >= 0x80000004)
        {
            var registers = new int[12];
            for (int i = 0; i < 3; i++)
            {
                (registers[4 * i], registers[(4 * i) + 1], registers[(4 * i) + 2], registers[(4 * i) + 3]) = X86Base.CpuId(unchecked((int)0x80000002) + i, 0);
            }

            brand = Ascii(registers);
        }

        (long? l1, long? l2, long? l3) = CpuCaches.ReadCpuId(vendorId, maxLeaf, maxExtended);
        return description with
        {
            Vendor = X86Vendor(vendorId),
            VendorId = vendorId,
            Brand = string.IsNullOrWhiteSpace(brand) ? null : brand,
            Family = family,
            Model = model,
            Stepping = stepping,
            L1DataBytes = l1,
            L2Bytes = l2,
            L3Bytes = l3,
        };
    }

    /// <summary>Registers as little-endian ASCII (the vendor and brand strings), without padding or NULs.</summary>
    private static string Ascii(int[] registers)
    {
        var bytes = new byte[registers.Length * 4];
        for (int i = 0; i < registers.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), registers[i]);
        }

        return System.Text.Encoding.ASCII.GetString(bytes).TrimEnd('\0').Trim();
    }

    private static Dictionary<string, string> ReadProcCpuInfo()
    {
        try
        {
            return File.Exists(ProcCpuInfo) ? ParseProcCpuInfo(File.ReadLines(ProcCpuInfo)) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string ReadModelName()
    {
        Dictionary<string, string> fields = ReadProcCpuInfo();
        string? name = fields.GetValueOrDefault("model name") ?? fields.GetValueOrDefault("Model") ?? fields.GetValueOrDefault("Hardware");
        return $"{name ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} logical cores";
    }
}
