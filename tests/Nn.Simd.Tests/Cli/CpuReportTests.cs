using System.Text.Json;
using Nn.Cli.Commands;
using Nn.Simd.Kernels;
using Nn.Simd.Tests.Kernels;

namespace Nn.Simd.Tests.Cli;

/// <summary>The CPU as <c>nn cpu</c> prints it and <c>nn bench --json</c> records it.</summary>
public sealed class CpuReportTests
{
    [Fact]
    public void The_bench_json_cpu_object_carries_every_field_and_nulls_for_the_unknown()
    {
        CpuDescription cpu = CpuInfoTests.Blank() with { Vendor = "AMD", VendorId = "AuthenticAMD", Brand = "AMD EPYC", Family = 26, Model = 2, Stepping = 1, L1DataBytes = 49_152, L2Bytes = 1 << 20 };
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            CpuReport.WriteJson(json, "cpu", cpu);
            json.WriteEndObject();
        }

        using JsonDocument document = JsonDocument.Parse(stream.ToArray());
        JsonElement root = document.RootElement.GetProperty("cpu");
        Assert.Equal("amd-epyc-family26-model2-stepping1", root.GetProperty("key").GetString());
        Assert.Equal((26, 2, 1), (root.GetProperty("family").GetInt32(), root.GetProperty("model").GetInt32(), root.GetProperty("stepping").GetInt32()));
        Assert.Equal(49_152, root.GetProperty("l1DataBytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("l3Bytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("part").ValueKind);
        Assert.Equal(["AVX2", "FMA"], root.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("Avx2", root.GetProperty("kernelPath").GetString());
        Assert.Equal("L1d 48 KiB, L2 1 MiB per core, L3 unknown", CpuReport.Rows(cpu).Single(r => r.Label == "caches").Value);
    }

    [Theory]
    [InlineData(49_152L, "48 KiB")]
    [InlineData(1_048_576L, "1 MiB")]
    [InlineData(33_554_432L, "32 MiB")]
    [InlineData(1_572_864L, "1536 KiB")]
    [InlineData(1_000L, "1000 B")]
    [InlineData(null, "unknown")]
    public void Cache_sizes_print_in_whole_binary_units(long? bytes, string text) => Assert.Equal(text, CpuReport.Size(bytes));
}
