using System.Runtime.Intrinsics.X86;
using Nn.Cli.Commands;
using Nn.Simd.Kernels;

namespace Nn.Simd.Tests.Kernels;

/// <summary>
/// The CPU description's decoders, on register values and file contents taken from real machines
/// (the AMD EPYC family 26 values are this project's benchmark machine's CPUID output).
/// </summary>
public sealed class CpuInfoTests
{
    [Theory]
    [InlineData(0x00B00F21u, 26, 2, 1)]   // AMD EPYC, Zen 5 (family 0x1A = 0xF + 0xB)
    [InlineData(0x00A10F11u, 25, 17, 1)]  // AMD EPYC 9004, Zen 4 (extended model 1 → model 0x11)
    [InlineData(0x00A00F11u, 25, 1, 1)]   // AMD EPYC 7003, Zen 3
    [InlineData(0x00100F42u, 16, 4, 2)]   // AMD family 10h
    [InlineData(0x00050654u, 6, 85, 4)]   // Intel Xeon Skylake-SP (family 6: extended model counts)
    [InlineData(0x00000F29u, 15, 2, 9)]   // Intel Pentium 4 (family 0xF, extended family 0)
    [InlineData(0x00010521u, 5, 2, 1)]    // family 5: the extended model is not part of the model
    public void The_signature_decodes_to_display_family_model_and_stepping(uint eax, int family, int model, int stepping) =>
        Assert.Equal((family, model, stepping), CpuInfo.DecodeSignature(eax));

    [Theory]
    [InlineData(0x00000121, 0x02C0003F, 0x0000003F, 1, 1, 48 * 1024)]        // L1d: 12 ways × 64 B × 64 sets
    [InlineData(0x00000122, 0x01C0003F, 0x0000003F, 1, 2, 32 * 1024)]        // L1i
    [InlineData(0x00000143, 0x03C0003F, 0x000003FF, 2, 3, 1024 * 1024)]      // L2: 16 ways × 64 B × 1024 sets
    [InlineData(0x00004163, 0x03C0003F, 0x00007FFF, 3, 3, 32 * 1024 * 1024)] // L3: 16 ways × 64 B × 32768 sets
    [InlineData(0x00000000, 0x00000000, 0x00000000, 0, 0, 1)]                // the end of the list: type 0
    public void A_deterministic_cache_leaf_gives_level_type_and_size(int eax, int ebx, int ecx, int level, int type, long bytes) =>
        Assert.Equal((level, type, bytes), CpuCaches.DecodeDeterministicLeaf(eax, ebx, ecx));

    [Fact]
    public void A_partitioned_cache_multiplies_the_partitions_too() =>
        Assert.Equal(8L * 2 * 64 * 512, CpuCaches.DecodeDeterministicLeaf(0x63, (7 << 22) | (1 << 12) | 63, 511).Bytes);

    [Fact]
    public void AMDs_legacy_leaves_give_kilobytes_and_half_megabytes()
    {
        // 0x80000006 EDX reports the L3 of the whole processor (here 12 × 32 MB) in 512 KB units.
        Assert.Equal((48L * 1024, 1024L * 1024, 384L * 1024 * 1024), CpuCaches.DecodeAmdLegacyLeaves(0x300C0140, 0x04008140, 0x0C009140));
        Assert.Equal((null, null, null), CpuCaches.DecodeAmdLegacyLeaves(0x00FFFFFF, 0x0000FFFF, 0x0003FFFF));
    }

    [Theory]
    [InlineData("48K", 48L * 1024)]
    [InlineData("1024K", 1024L * 1024)]
    [InlineData("2M", 2L * 1024 * 1024)]
    [InlineData("1G", 1L << 30)]
    [InlineData("512", 512L)]
    [InlineData("", null)]
    [InlineData("K", null)]
    [InlineData("-4K", null)]
    [InlineData("4 K", null)]
    public void Sysfs_sizes_parse_with_binary_suffixes(string text, long? bytes) => Assert.Equal(bytes, CpuCaches.ParseSize(text));

    [Fact]
    public void The_sysfs_cache_folder_gives_L1_data_L2_and_L3()
    {
        string folder = Directory.CreateTempSubdirectory("nn-cache-").FullName;
        try
        {
            // The instruction cache is listed first here; it is not reported.
            WriteIndex(folder, "index0", "1", "Instruction", "32K");
            WriteIndex(folder, "index1", "1", "Data", "48K");
            WriteIndex(folder, "index2", "2", "Unified", "1024K");
            WriteIndex(folder, "index3", "3", "Unified", "32768K");
            Directory.CreateDirectory(Path.Combine(folder, "uevent-not-an-index"));
            Assert.Equal((48L * 1024, 1024L * 1024, 32L * 1024 * 1024), CpuCaches.ReadSysfs(folder));

            File.Delete(Path.Combine(folder, "index3", "size"));
            Assert.Equal((48L * 1024, 1024L * 1024, null), CpuCaches.ReadSysfs(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.Equal((null, null, null), CpuCaches.ReadSysfs(folder));
    }

    [Fact]
    public void An_x86_proc_cpuinfo_gives_vendor_brand_family_model_and_stepping()
    {
        string[] lines =
        [
            "processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 26", "model\t\t: 2", "model name\t: AMD EPYC",
            "stepping\t: 1", "flags\t\t: fpu vme avx512f", string.Empty,
            "processor\t: 1", "vendor_id\t: GenuineIntel", "cpu family\t: 6", "model\t\t: 85",
        ];
        CpuDescription cpu = CpuInfo.WithProcCpuInfo(Blank(), CpuInfo.ParseProcCpuInfo(lines));
        Assert.Equal(("AMD", "AuthenticAMD", "AMD EPYC"), (cpu.Vendor, cpu.VendorId, cpu.Brand));
        Assert.Equal((26, 2, 1), (cpu.Family, cpu.Model, cpu.Stepping));
        Assert.Null(cpu.Part);
        Assert.Equal("amd-epyc-family26-model2-stepping1", cpu.Key);
    }

    [Fact]
    public void An_arm64_proc_cpuinfo_gives_implementer_part_variant_and_revision()
    {
        string[] lines =
        [
            "processor\t: 0", "BogoMIPS\t: 50.00", "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp",
            "CPU implementer\t: 0x41", "CPU architecture: 8", "CPU variant\t: 0x3", "CPU part\t: 0xd0c", "CPU revision\t: 1",
        ];
        CpuDescription cpu = CpuInfo.WithProcCpuInfo(Blank(), CpuInfo.ParseProcCpuInfo(lines));
        Assert.Equal(("Arm", "0x41", null), (cpu.Vendor, cpu.VendorId, cpu.Brand));
        Assert.Equal((0xD0C, 3, 1), (cpu.Part, cpu.Variant, cpu.Revision));
        Assert.Null(cpu.Family);
        Assert.Equal("arm-part0xd0c-r3p1", cpu.Key);
        Assert.Equal("part 0xd0c, r3p1", CpuReport.Identity(cpu));
    }

    [Fact]
    public void Nothing_known_reads_as_unknown()
    {
        CpuDescription cpu = CpuInfo.WithProcCpuInfo(Blank(), CpuInfo.ParseProcCpuInfo([]));
        Assert.Equal("unknown", cpu.Key);
        Assert.Equal("unknown", CpuReport.Identity(cpu));
        Assert.Equal("L1d unknown, L2 unknown per core, L3 unknown", CpuReport.Rows(cpu).Single(r => r.Label == "caches").Value);
    }

    [Fact]
    public void This_machine_is_described_with_the_dispatchers_features_and_path()
    {
        CpuDescription cpu = CpuInfo.Describe();
        Assert.Equal(KernelDispatch.DescribeFeatures(), cpu.Features.Count == 0 ? "none" : string.Join(' ', cpu.Features));
        Assert.Equal(KernelDispatch.Active, cpu.KernelPath);
        Assert.Equal(Environment.ProcessorCount, cpu.LogicalCores);
        if (X86Base.IsSupported)
        {
            Assert.NotNull(cpu.Family);
            Assert.NotNull(cpu.Model);
            Assert.NotNull(cpu.Stepping);
            Assert.Contains($"-family{cpu.Family}-model{cpu.Model}-stepping{cpu.Stepping}", cpu.Key, StringComparison.Ordinal);
        }
    }

    internal static CpuDescription Blank() => new()
    {
        Features = ["AVX2", "FMA"],
        LogicalCores = 2,
        Runtime = ".NET 10.0.12",
        OperatingSystem = "Linux",
        Architecture = "X64",
        KernelPath = KernelPath.Avx2,
    };

    private static void WriteIndex(string folder, string name, string level, string type, string size)
    {
        string index = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        File.WriteAllText(Path.Combine(index, "level"), level + "\n");
        File.WriteAllText(Path.Combine(index, "type"), type + "\n");
        File.WriteAllText(Path.Combine(index, "size"), size + "\n");
    }
}
