// Kernels zero their own scratch (every stackalloc is cleared or filled before it is read), so the
// runtime's zeroing of locals would only cost time in the hot loops.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
