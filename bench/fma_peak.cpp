//===- fma_peak.cpp - f32 FMA peak of this machine ------------------------===//
//
// Measures the f32 multiply-add throughput that the benchmarks quote
// percentages against: each thread runs independent FMA chains (enough to
// hide FMA latency on two ports) on the widest vectors the host supports:
// AVX-512F, else AVX2 + FMA3, else SSE2 (a multiply and an add, which is
// what code for such a CPU runs). Prints one JSON line.
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {
constexpr int kChains = 12;
constexpr long kIterations = 200'000'000 / kChains;

__attribute__((target("avx512f"))) float chainsAvx512(long iters) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm512_set1_ps(1.0f + c * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) float chainsAvx2(long iters) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm256_set1_ps(1.0f + c * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  float out[8];
  __m256 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm256_add_ps(sum, acc[c]);
  _mm256_storeu_ps(out, sum);
  return out[0];
}
// No FMA: multiply-add is two instructions on 4 lanes (baseline x86-64).
float chainsSse2(long iters) {
  __m128 acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm_set1_ps(1.0f + c * 1e-3f);
  const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm_add_ps(_mm_mul_ps(acc[c], a), b);
  float out[4];
  __m128 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm_add_ps(sum, acc[c]);
  _mm_storeu_ps(out, sum);
  return out[0];
}
} // namespace

int main(int argc, char **argv) {
  unsigned threads = argc > 1 ? std::atoi(argv[1]) : 0;
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  enum class Isa { Avx512, Avx2, Sse2 };
  Isa isa = __builtin_cpu_supports("avx512f") ? Isa::Avx512
            : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                ? Isa::Avx2
                : Isa::Sse2;
  int lanes = isa == Isa::Avx512 ? 16 : isa == Isa::Avx2 ? 8 : 4;
  const char *isaName = isa == Isa::Avx512 ? "avx512"
                        : isa == Isa::Avx2 ? "avx2"
                                           : "sse2";
  std::vector<double> rates;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> pool;
    std::vector<float> sink(threads);
    auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        sink[t] = isa == Isa::Avx512 ? chainsAvx512(kIterations)
                  : isa == Isa::Avx2 ? chainsAvx2(kIterations)
                                     : chainsSse2(kIterations);
      });
    for (std::thread &t : pool)
      t.join();
    std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
    double flops = 2.0 * lanes * kChains * double(kIterations) * threads;
    rates.push_back(flops / s.count() / 1e9);
    if (sink[0] == 42.0f) // keep the chains alive
      std::puts("");
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"isa\": \"%s\", \"threads\": %u, \"gflops_median\": %.1f, "
              "\"gflops_max\": %.1f}\n",
              isaName, threads, rates[rates.size() / 2], rates.back());
  return 0;
}
