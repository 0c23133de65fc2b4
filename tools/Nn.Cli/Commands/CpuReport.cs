using System.Globalization;
using System.Text.Json;
using Nn.Simd.Kernels;

namespace Nn.Cli.Commands;

/// <summary>
/// A <see cref="CpuDescription"/> as <c>nn cpu</c> prints it and as <c>nn bench --json</c> records it
/// (the <c>cpu</c> object: <c>key, vendor, vendorId, brand, family, model, stepping, part, variant,
/// revision, l1DataBytes, l2Bytes, l3Bytes, features, logicalCores, runtime, os, architecture,
/// kernelPath</c>; a field the machine does not reveal is <c>null</c>).
/// </summary>
internal static class CpuReport
{
    private const string Unknown = "unknown";

    /// <summary>Label and value of each line <c>nn cpu</c> prints about the processor.</summary>
    public static IEnumerable<(string Label, string Value)> Rows(CpuDescription cpu)
    {
        yield return ("cpu", $"{cpu.Brand ?? Unknown} ({cpu.Vendor ?? Unknown}{(cpu.VendorId is { } id && id != cpu.Vendor ? $", {id}" : string.Empty)})");
        yield return ("model", Identity(cpu));
        yield return ("caches", $"L1d {Size(cpu.L1DataBytes)}, L2 {Size(cpu.L2Bytes)} per core, L3 {Size(cpu.L3Bytes)}");
        yield return ("logical cores", cpu.LogicalCores.ToString(CultureInfo.InvariantCulture));
        yield return ("vector features", cpu.Features.Count == 0 ? "none" : string.Join(' ', cpu.Features));
        yield return ("runtime", $"{cpu.Runtime} {cpu.Architecture}");
        yield return ("os", cpu.OperatingSystem);
        yield return ("results key", cpu.Key);
    }

    /// <summary>x86: "family 26 (0x1A), model 2 (0x02), stepping 1"; ARM64: "part 0xd0c, r3p1".</summary>
    public static string Identity(CpuDescription cpu)
    {
        if (cpu.Family is { } family)
        {
            return string.Create(CultureInfo.InvariantCulture, $"family {family} (0x{family:X2}), model {Number(cpu.Model)}, stepping {cpu.Stepping?.ToString(CultureInfo.InvariantCulture) ?? Unknown}");
        }

        return cpu.Part is { } part
            ? string.Create(CultureInfo.InvariantCulture, $"part 0x{part:x3}, r{cpu.Variant?.ToString(CultureInfo.InvariantCulture) ?? "?"}p{cpu.Revision?.ToString(CultureInfo.InvariantCulture) ?? "?"}")
            : Unknown;

        static string Number(int? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v} (0x{v:X2})") : Unknown;
    }

    /// <summary>Bytes in KiB or MiB, whichever is whole; "unknown" for <see langword="null"/>.</summary>
    public static string Size(long? bytes) => bytes switch
    {
        null => Unknown,
        { } b when b >= 1 << 20 && b % (1 << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{b >> 20} MiB"),
        { } b when b % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{b >> 10} KiB"),
        { } b => string.Create(CultureInfo.InvariantCulture, $"{b} B"),
    };

    /// <summary>Writes the <c>cpu</c> object under <paramref name="name"/>.</summary>
    public static void WriteJson(Utf8JsonWriter json, string name, CpuDescription cpu)
    {
        json.WriteStartObject(name);
        json.WriteString("key", cpu.Key);
        json.WriteString("vendor", cpu.Vendor);
        json.WriteString("vendorId", cpu.VendorId);
        json.WriteString("brand", cpu.Brand);
        Number("family", cpu.Family);
        Number("model", cpu.Model);
        Number("stepping", cpu.Stepping);
        Number("part", cpu.Part);
        Number("variant", cpu.Variant);
        Number("revision", cpu.Revision);
        Number("l1DataBytes", cpu.L1DataBytes);
        Number("l2Bytes", cpu.L2Bytes);
        Number("l3Bytes", cpu.L3Bytes);
        json.WriteStartArray("features");
        foreach (string feature in cpu.Features)
        {
            json.WriteStringValue(feature);
        }

        json.WriteEndArray();
        json.WriteNumber("logicalCores", cpu.LogicalCores);
        json.WriteString("runtime", cpu.Runtime);
        json.WriteString("os", cpu.OperatingSystem);
        json.WriteString("architecture", cpu.Architecture);
        json.WriteString("kernelPath", cpu.KernelPath.ToString());
        json.WriteEndObject();

        void Number(string field, long? value)
        {
            if (value is { } v)
            {
                json.WriteNumber(field, v);
            }
            else
            {
                json.WriteNull(field);
            }
        }
    }
}
