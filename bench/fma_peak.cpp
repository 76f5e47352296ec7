//===- fma_peak.cpp - f32 FMA peak of this machine ------------------------===//
//
// Measures the f32 multiply-add throughput that the benchmarks quote
// percentages against: each thread runs independent FMA chains (enough to
// hide FMA latency on two ports) on the widest vectors the host supports:
// AVX-512F, else AVX2 + FMA3, else SSE2 (a multiply and an add, which is
// what code for such a CPU runs); with AVX512-BF16 also the vdpbf16ps peak
// (bf16_dot_gflops_*). Prints one JSON line.
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
// AVX512-BF16: vdpbf16ps adds the products of 16 bf16 pairs to 16 f32
// lanes, 2 x 32 flops per instruction (the bf16 dot path of
// mha-vectorize-bf16-contractions).
__attribute__((target("avx512f,avx512bf16"))) float chainsBF16Dot(long iters) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm512_set1_ps(1.0f + c * 1e-3f);
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80); // 1.0
  const __m512bh b = (__m512bh)_mm512_set1_epi16(0x3380); // 2^-24
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm512_dpbf16_ps(acc[c], a, b);
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

/// Median GFLOP/s of 5 runs of `threads` threads each running `chains`,
/// `flopsPerIteration` per thread per iteration.
template <typename Chains>
std::pair<double, double> measure(unsigned threads, double flopsPerIteration,
                                  Chains chains) {
  std::vector<double> rates;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> pool;
    std::vector<float> sink(threads);
    auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sink[t] = chains(kIterations); });
    for (std::thread &t : pool)
      t.join();
    std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
    rates.push_back(flopsPerIteration * double(kIterations) * threads /
                    s.count() / 1e9);
    if (sink[0] == 42.0f) // keep the chains alive
      std::puts("");
  }
  std::sort(rates.begin(), rates.end());
  return {rates[rates.size() / 2], rates.back()};
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
              "\"gflops_max\": %.1f",
              isaName, threads, rates[rates.size() / 2], rates.back());
  // With AVX512-BF16, the vdpbf16ps peak next to it: whether the bf16 dot
  // path can beat f32 FMA on this CPU.
  if (isa == Isa::Avx512 && __builtin_cpu_supports("avx512bf16")) {
    auto [median, max] = measure(threads, 2.0 * 32 * kChains,
                                 [](long n) { return chainsBF16Dot(n); });
    std::printf(", \"bf16_dot_gflops_median\": %.1f, "
                "\"bf16_dot_gflops_max\": %.1f",
                median, max);
  }
  std::printf("}\n");
  return 0;
}
