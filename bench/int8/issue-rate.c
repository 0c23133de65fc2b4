// Instructions retired per cycle by the multiply-add instructions that bound the GEMMs: 256-bit
// vpdpbusd (AVX-VNNI, the int8 products .NET 10 can emit), 512-bit vfmadd231ps (the fp32 GEMM) and
// 512-bit vpdpbusd and vpmaddwd (AVX512-VNNI / BW). Each loop issues 12 independent accumulator
// chains, enough to cover the latency, so the figure is the throughput. The clock is measured first
// with a chain of dependent integer adds (one a cycle).
//
// Then the exact int8 and int16 forms .NET 10 can emit on AVX-512 besides AVX-VNNI, as the integer
// multiply-adds a cycle they reach: 512-bit vpmaddwd + vpaddd (int16 products summed into int32),
// 512-bit vpmaddubsw (7-bit activations, which cannot saturate) + vpmaddwd by ones + vpaddd, and
// 256-bit vpdpbusd mixed with each of them and with 512-bit vfmadd231ps, to see whether another
// instruction adds multiply-adds in cycles the vpdpbusd leaves free.
//
//   gcc -O2 -mavx512f -mavx512bw -mavx512vnni -mavxvnni -o /tmp/issue-rate bench/int8/issue-rate.c && /tmp/issue-rate
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define TWELVE(op, r) op r "0\n\t" op r "1\n\t" op r "2\n\t" op r "3\n\t" op r "4\n\t" op r "5\n\t" \
    op r "6\n\t" op r "7\n\t" op r "8\n\t" op r "9\n\t" op r "10\n\t" op r "11\n\t"
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
    "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23"

// One 256-bit vpdpbusd into ymm<a> (32 int8 multiply-adds); one 512-bit vpmaddwd into a temporary
// added to zmm<a> (32 int16 multiply-adds); one 512-bit vpmaddubsw, its int16 pairs widened by
// vpmaddwd against ones (zmm13) and added to zmm<a> (64 int8 multiply-adds); one 512-bit
// vfmadd231ps into zmm<a> (16 fp32 multiply-adds).
#define DPBUSD(a) "%{vex%} vpdpbusd %%ymm14, %%ymm15, %%ymm" #a "\n\t"
#define MADDWD(t, a) "vpmaddwd %%zmm14, %%zmm15, %%zmm" #t "\n\tvpaddd %%zmm" #t ", %%zmm" #a ", %%zmm" #a "\n\t"
#define MADDUBSW(t, a) "vpmaddubsw %%zmm14, %%zmm15, %%zmm" #t "\n\tvpmaddwd %%zmm13, %%zmm" #t ", %%zmm" #t "\n\t" \
    "vpaddd %%zmm" #t ", %%zmm" #a ", %%zmm" #a "\n\t"
#define FMA(a) "vfmadd231ps %%zmm14, %%zmm15, %%zmm" #a "\n\t"
#define EIGHT_DPBUSD DPBUSD(0) DPBUSD(1) DPBUSD(2) DPBUSD(3) DPBUSD(4) DPBUSD(5) DPBUSD(6) DPBUSD(7)

// Multiply-adds a cycle of a loop body that performs multiplyAdds of them each pass.
#define RATE(body, multiplyAdds) ({ double t = now(); \
    for (long i = 0; i < n; i++) __asm__ volatile(body ::: CLOBBERS); \
    (double)(multiplyAdds) * n / ((now() - t) * hz); })

int main(void)
{
    const long n = 100000000;
    long x = 0;
    double t0 = now();
    for (long i = 0; i < n; i++)
        __asm__ volatile("add $1,%0\n\tadd $1,%0\n\tadd $1,%0\n\tadd $1,%0" : "+r"(x));
    double hz = 4.0 * n / (now() - t0);
    printf("clock %.2f GHz\n", hz / 1e9);

    t0 = now();
    for (long i = 0; i < n; i++)
        __asm__ volatile(TWELVE("%{vex%} vpdpbusd %%ymm14, %%ymm15, ", "%%ymm") ::: CLOBBERS);
    double t1 = now();
    for (long i = 0; i < n; i++)
        __asm__ volatile(TWELVE("vfmadd231ps %%zmm14, %%zmm15, ", "%%zmm") ::: CLOBBERS);
    double t2 = now();
    for (long i = 0; i < n; i++)
        __asm__ volatile(TWELVE("vpdpbusd %%zmm14, %%zmm15, ", "%%zmm") ::: CLOBBERS);
    double t3 = now();
    for (long i = 0; i < n; i++)
        __asm__ volatile(TWELVE("vpmaddwd %%zmm14, %%zmm15, ", "%%zmm") ::: CLOBBERS);
    double t4 = now();
    printf("per cycle: vpdpbusd ymm %.2f (x 32 int8 multiply-adds), vfmadd231ps zmm %.2f (x 16 fp32), "
           "vpdpbusd zmm %.2f (x 64 int8), vpmaddwd zmm %.2f (x 32 int16)\n",
           12.0 * n / (t1 - t0) / hz, 12.0 * n / (t2 - t1) / hz, 12.0 * n / (t3 - t2) / hz, 12.0 * n / (t4 - t3) / hz);

    printf("integer multiply-adds per cycle: vpmaddwd+vpaddd zmm %.1f, vpmaddubsw+vpmaddwd+vpaddd zmm %.1f, "
           "8 vpdpbusd ymm alone %.1f, with 4 vpmaddwd+vpaddd zmm %.1f, with 2 vpmaddubsw chains zmm %.1f, "
           "with 4 vfmadd231ps zmm %.1f (and a quarter as many fp32 ones)\n",
           RATE(MADDWD(16, 0) MADDWD(17, 1) MADDWD(18, 2) MADDWD(19, 3) MADDWD(20, 4) MADDWD(21, 5) MADDWD(22, 6) MADDWD(23, 7), 8 * 32),
           RATE(MADDUBSW(16, 0) MADDUBSW(17, 1) MADDUBSW(18, 2) MADDUBSW(19, 3) MADDUBSW(20, 4) MADDUBSW(21, 5) MADDUBSW(22, 6) MADDUBSW(23, 7), 8 * 64),
           RATE(EIGHT_DPBUSD, 8 * 32),
           RATE(EIGHT_DPBUSD MADDWD(16, 8) MADDWD(17, 9) MADDWD(18, 10) MADDWD(19, 11), 8 * 32 + 4 * 32),
           RATE(EIGHT_DPBUSD MADDUBSW(16, 8) MADDUBSW(17, 9), 8 * 32 + 2 * 64),
           RATE(EIGHT_DPBUSD FMA(8) FMA(9) FMA(10) FMA(11), 8 * 32));
    return x == 0;
}
