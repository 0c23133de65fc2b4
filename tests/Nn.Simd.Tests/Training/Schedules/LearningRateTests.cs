using Nn.Simd.Kernels;
using Nn.Simd.Training;

namespace Nn.Simd.Tests.Training.Schedules;

public class LearningRateTests
{
    [Fact]
    public void Constant_is_the_base_rate() => Assert.Equal(0.1f, LearningRates.Constant(0.1f));

    [Theory]
    [InlineData(0, 0.1f)]
    [InlineData(2, 0.1f)]
    [InlineData(3, 0.05f)]
    [InlineData(5, 0.05f)]
    [InlineData(6, 0.025f)]
    [InlineData(9, 0.0125f)]
    public void Step_halves_the_rate_every_three_epochs(int epoch, float expected) =>
        Assert.Equal(expected, LearningRates.Step(0.1f, epoch, 3, 0.5f));

    [Fact]
    public void Exponential_multiplies_by_gamma_each_epoch()
    {
        Assert.Equal(2f, LearningRates.Exponential(2f, 0, 0.5f));
        Assert.Equal(0.25f, LearningRates.Exponential(2f, 3, 0.5f));
        Assert.Equal(0f, LearningRates.Exponential(2f, 3, 0f));
        // 0.9f = 0.89999997615814208984375; its cube is 0.728999942…, whose nearest float is 0.72899994f.
        Assert.Equal(0.72899994f, LearningRates.Exponential(1f, 3, 0.9f));
        Assert.Equal(0.72899994f, (float)Math.Pow(0.9f, 3));
    }

    [Theory]
    [InlineData(0, 1f)]
    [InlineData(5, 0.5f)]
    [InlineData(10, 0f)]
    [InlineData(11, 0f)]
    [InlineData(1000, 0f)]
    public void Cosine_without_warmup_starts_at_the_base_rate_and_ends_at_the_minimum(long step, float expected) =>
        Assert.Equal(expected, LearningRates.CosineWithWarmup(1f, step, 10, 0));

    [Theory]
    [InlineData(0, 0.5f)]
    [InlineData(1, 1f)]
    [InlineData(2, 1f)]
    [InlineData(4, 0.8535534f)]
    [InlineData(6, 0.5f)]
    [InlineData(8, 0.14644662f)]
    [InlineData(10, 0f)]
    public void Cosine_with_two_warmup_steps_rises_linearly_then_falls(long step, float expected) =>
        // Progress (t − 2)/8: t = 4 gives (1 + cos(π/4))/2 = 0.853553390…, t = 8 gives (1 + cos(3π/4))/2 = 0.146446609….
        Assert.Equal(expected, LearningRates.CosineWithWarmup(1f, step, 10, 2));

    [Fact]
    public void Cosine_respects_the_minimum_and_a_warmup_over_the_whole_run()
    {
        Assert.Equal(0.01f, LearningRates.CosineWithWarmup(0.1f, 100, 100, 10, 0.01f));
        Assert.Equal((float)(0.01 + (0.09000000171363354 * 0.5 * (1 + Math.Cos(Math.PI * 45 / 90)))), LearningRates.CosineWithWarmup(0.1f, 55, 100, 10, 0.01f));
        Assert.Equal(0.1f, LearningRates.CosineWithWarmup(0.1f, 9, 10, 10));
        Assert.Equal((float)(0.1f * 5.0 / 10), LearningRates.CosineWithWarmup(0.1f, 4, 10, 10));
        Assert.Equal(0f, LearningRates.CosineWithWarmup(0.1f, 10, 10, 10));
    }

    [Fact]
    public void Cosine_falls_monotonically_after_the_warmup()
    {
        float previous = float.PositiveInfinity;
        for (long t = 100; t <= 4690; t++)
        {
            float rate = LearningRates.CosineWithWarmup(1e-3f, t, 4690, 100);
            Assert.True(rate <= previous, $"step {t}: {rate} > {previous}");
            previous = rate;
        }
    }

    [Fact]
    public void The_deterministic_cosine_agrees_with_the_runtime_cosine()
    {
        for (int i = 0; i <= 10000; i++)
        {
            double p = i / 10000.0;
            Assert.True(Math.Abs(DeterministicMath.CosPi(p) - Math.Cos(Math.PI * p)) <= 5e-16, $"p = {p}");
        }
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRates.Constant(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRates.Step(0.1f, 0, 0, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRates.Step(0.1f, -1, 2, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRates.Exponential(0.1f, 1, 1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRates.CosineWithWarmup(0.1f, 0, 10, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRates.CosineWithWarmup(0.1f, -1, 10, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LearningRates.CosineWithWarmup(0.1f, 0, 10, 0, 0.2f));
    }
}

public class ReduceOnPlateauTests
{
    [Fact]
    public void The_rate_falls_after_patience_bad_epochs_and_cooldown_suspends_counting()
    {
        var schedule = new ReduceOnPlateau(Factor: 0.5f, Patience: 2, Threshold: 0.01, Cooldown: 1, MinimumRate: 0.02f);
        PlateauState state = schedule.Start(0.1f);
        // Hand-traced: 1.0 best; 0.995 is not 1 % better (bad 1); 0.999 bad 2; 0.998 bad 3 > 2 → rate 0.05,
        // cooldown 1; 0.997 bad but in cooldown (bad 0, cooldown 0); 0.5 better; 0.6, 0.6, 0.6 → bad 3 → 0.025;
        // then 0.6 in cooldown, 0.6 ×3 → bad 3 → max(0.0125, 0.02) = 0.02; and never below 0.02 again.
        (double Cost, float Rate, int Bad)[] trace =
        [
            (1.0, 0.1f, 0), (0.995, 0.1f, 1), (0.999, 0.1f, 2), (0.998, 0.05f, 0), (0.997, 0.05f, 0), (0.5, 0.05f, 0),
            (0.6, 0.05f, 1), (0.6, 0.05f, 2), (0.6, 0.025f, 0), (0.6, 0.025f, 0), (0.6, 0.025f, 1), (0.6, 0.025f, 2),
            (0.6, 0.02f, 0), (0.6, 0.02f, 0), (0.6, 0.02f, 1), (0.6, 0.02f, 2), (0.6, 0.02f, 0),
        ];
        for (int epoch = 0; epoch < trace.Length; epoch++)
        {
            state = schedule.Next(state, trace[epoch].Cost);
            Assert.True(trace[epoch].Rate == state.Rate && trace[epoch].Bad == state.BadEpochs, $"epoch {epoch}: expected rate {trace[epoch].Rate}, bad {trace[epoch].Bad}; got {state}");
        }

        Assert.Equal(0.5, state.Best);
    }

    [Fact]
    public void A_nan_cost_counts_as_no_improvement()
    {
        var schedule = new ReduceOnPlateau(Patience: 0);
        PlateauState state = schedule.Next(schedule.Start(1f), 2.0);
        state = schedule.Next(state, double.NaN);
        Assert.Equal(0.1f, state.Rate);
        Assert.Equal(2.0, state.Best);
    }

    [Fact]
    public void The_state_round_trips_through_its_bytes()
    {
        var state = new PlateauState(0.0123f, 0.456789, 3, 2);
        var bytes = new byte[PlateauState.SerializedSize];
        state.Write(bytes);
        Assert.Equal(state, PlateauState.Read(bytes));
        Assert.Equal(new PlateauState(1f, double.PositiveInfinity, 0, 0), PlateauState.Read(WriteStart()));
        bytes[12] = 0xFF;
        bytes[13] = 0xFF;
        bytes[14] = 0xFF;
        bytes[15] = 0xFF;
        Assert.Throws<InvalidDataException>(() => PlateauState.Read(bytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlateauState.Read(new byte[19]));
    }

    [Fact]
    public void Bad_parameters_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(Factor: 1f).Start(0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(Patience: -1).Start(0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(Threshold: double.NaN).Start(0.1f));
    }

    private static byte[] WriteStart()
    {
        var bytes = new byte[PlateauState.SerializedSize];
        new ReduceOnPlateau().Start(1f).Write(bytes);
        return bytes;
    }
}
