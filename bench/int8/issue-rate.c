// Instructions retired per cycle by the multiply-add instructions that bound the GEMMs: 256-bit
// vpdpbusd (AVX-VNNI, the int8 products .NET 10 can emit), 512-bit vfmadd231ps (the fp32 GEMM) and
// 512-bit vpdpbusd and vpmaddwd (AVX512-VNNI / BW). Each loop issues 12 independent accumulator
// chains, enough to cover the latency, so the figure is the throughput. The clock is measured first
// with a chain of dependent integer adds (one a cycle).
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
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11"

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
    return x == 0;
}
