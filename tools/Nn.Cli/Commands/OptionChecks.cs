using System.CommandLine;
using System.Globalization;

namespace Nn.Cli.Commands;

/// <summary>
/// Range checks on numeric options, run by the parser before any command starts, so the message
/// names the option as typed (the library's own checks, e.g. <c>TrainingOptions.Validate</c>, name
/// its members, which a user of the command line never sees).
/// </summary>
internal static class OptionChecks
{
    /// <summary>Refuses a value outside [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Within(this Option<int> option, int min, int max = int.MaxValue)
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                result.AddError(max == int.MaxValue
                    ? $"{option.Name} {value} must be at least {min}."
                    : $"{option.Name} {value} must be between {min} and {max}.");
            }
        });
        return option;
    }

    /// <summary>Refuses a value that is not a finite number above zero, or at least zero when <paramref name="zeroAllowed"/>.</summary>
    public static Option<float> Positive(this Option<float> option, bool zeroAllowed = false)
    {
        option.Validators.Add(result =>
        {
            float value = result.GetValueOrDefault<float>();
            if (!float.IsFinite(value) || value < 0 || (value == 0 && !zeroAllowed))
            {
                result.AddError($"{option.Name} {value.ToString(CultureInfo.InvariantCulture)} must be a finite number {(zeroAllowed ? "≥ 0" : "> 0")}.");
            }
        });
        return option;
    }
}
