namespace Nn.Simd.Kernels;

/// <summary>
/// The processor exactly, for benchmark records and bug reports: who made it, which model and
/// revision, its caches, the vector features the kernel dispatcher saw and the path it took.
/// Read it with <see cref="CpuInfo.Describe"/>.
/// </summary>
/// <remarks>
/// Every field the machine does not reveal is <see langword="null"/> (text: "unknown"). On x86-64
/// the identity comes from <c>CPUID</c> (or <c>/proc/cpuinfo</c> when hardware intrinsics are off);
/// on ARM64 from the <c>CPU implementer</c> / <c>CPU part</c> lines of <c>/proc/cpuinfo</c>, which
/// encode the MIDR register. Cache sizes come from <c>CPUID</c> leaf 4 (Intel) or 0x8000001D
/// (AMD, with 0x80000005/0x80000006 as a fallback), else from
/// <c>/sys/devices/system/cpu/cpu0/cache</c>.
/// </remarks>
public sealed record CpuDescription
{
    /// <summary>The maker: "AMD", "Intel", an ARM implementer's name (e.g. "Arm", "Apple"), or <see langword="null"/>.</summary>
    public string? Vendor { get; init; }

    /// <summary>The raw vendor identification: x86 <c>CPUID</c> leaf 0 (e.g. "AuthenticAMD"), ARM's implementer code (e.g. "0x41").</summary>
    public string? VendorId { get; init; }

    /// <summary>The marketing name (x86 brand string, e.g. "AMD EPYC 9B45"; a hypervisor may shorten it).</summary>
    public string? Brand { get; init; }

    /// <summary>x86 display family: the base family plus, when the base is 0xF, the extended family (e.g. 26 = 0x1A for Zen 5).</summary>
    public int? Family { get; init; }

    /// <summary>x86 display model: the base model, with the extended model as its high nibble when the base family is 6 or 0xF.</summary>
    public int? Model { get; init; }

    /// <summary>x86 stepping (revision within the model).</summary>
    public int? Stepping { get; init; }

    /// <summary>ARM64 part number from MIDR (e.g. 0xD0C = Neoverse N1).</summary>
    public int? Part { get; init; }

    /// <summary>ARM64 variant from MIDR (the major revision, the "r" of rNpM).</summary>
    public int? Variant { get; init; }

    /// <summary>ARM64 revision from MIDR (the minor revision, the "p" of rNpM).</summary>
    public int? Revision { get; init; }

    /// <summary>Level-1 data cache of one core, in bytes.</summary>
    public long? L1DataBytes { get; init; }

    /// <summary>Level-2 cache of one core (one instance), in bytes.</summary>
    public long? L2Bytes { get; init; }

    /// <summary>Level-3 cache, one instance (shared by the cores of a complex or socket), in bytes.</summary>
    public long? L3Bytes { get; init; }

    /// <summary>The vector features the runtime reports and the dispatcher chooses from (as <c>nn cpu</c> lists them), e.g. AVX2, FMA, AVX-512F.</summary>
    public required IReadOnlyList<string> Features { get; init; }

    /// <summary>Logical processors available to this process (<see cref="Environment.ProcessorCount"/>).</summary>
    public required int LogicalCores { get; init; }

    /// <summary>The .NET runtime, e.g. ".NET 10.0.12".</summary>
    public required string Runtime { get; init; }

    /// <summary>The operating system as the runtime describes it.</summary>
    public required string OperatingSystem { get; init; }

    /// <summary>The process architecture, e.g. X64 or Arm64.</summary>
    public required string Architecture { get; init; }

    /// <summary>The kernel path active when this description was taken.</summary>
    public required KernelPath KernelPath { get; init; }

    /// <summary>
    /// A file-name-safe key for the CPU model: maker and brand, then family, model and stepping
    /// (x86, e.g. <c>amd-epyc-family26-model2-stepping1</c>) or part and revision (ARM64, e.g.
    /// <c>arm-part0xd0c-r3p1</c>); "unknown" where nothing is known.
    /// </summary>
    public string Key
    {
        get
        {
            string name = Slug(Brand is { } brand && (Vendor is null || brand.StartsWith(Vendor, StringComparison.OrdinalIgnoreCase))
                ? brand
                : $"{Vendor} {Brand}");
            if (name.Length == 0)
            {
                name = "unknown";
            }

            if (Family is { } family)
            {
                return $"{name}-family{family}-model{Model?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}-stepping{Stepping?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}";
            }

            return Part is { } part ? $"{name}-part0x{part:x3}-r{Variant ?? 0}p{Revision ?? 0}" : name;
        }
    }

    /// <summary>Lower-case letters and digits, other runs of characters as one hyphen.</summary>
    private static string Slug(string text)
    {
        var builder = new System.Text.StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        return builder.ToString().TrimEnd('-');
    }
}
