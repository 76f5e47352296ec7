//===- read_bandwidth.cpp - streaming read bandwidth of this machine ------===//
//
// Measures the memory read bandwidth that the decode benchmarks quote
// percentages against: each thread streams its own share of one buffer far
// larger than the last-level cache (summing it with several independent
// vector accumulators, so that the loop is bound by loads, not by the
// adds), the way a decode step streams K and V. The buffer is sized from the
// cache sizes the OS reports (4x the LLC, at least 512 MiB; `--mib` sets
// it), touched once before timing so that page faults are not counted.
// Prints one JSON line.
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {
constexpr int kReps = 7;

__attribute__((target("avx512f"))) float sumAvx512(const float *p, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_loadu_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_loadu_ps(p + i + 48));
  }
  float s = _mm512_reduce_add_ps(
      _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  for (; i < n; ++i)
    s += p[i];
  return s;
}

__attribute__((target("avx2"))) float sumAvx2(const float *p, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(p + i + 24));
  }
  float out[8];
  _mm256_storeu_ps(out,
                   _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  float s = 0;
  for (float x : out)
    s += x;
  for (; i < n; ++i)
    s += p[i];
  return s;
}

float sumSse2(const float *p, size_t n) {
  __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm_add_ps(a0, _mm_loadu_ps(p + i));
    a1 = _mm_add_ps(a1, _mm_loadu_ps(p + i + 4));
    a2 = _mm_add_ps(a2, _mm_loadu_ps(p + i + 8));
    a3 = _mm_add_ps(a3, _mm_loadu_ps(p + i + 12));
  }
  float out[4];
  _mm_storeu_ps(out, _mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)));
  float s = out[0] + out[1] + out[2] + out[3];
  for (; i < n; ++i)
    s += p[i];
  return s;
}

/// Bytes of the last-level cache the OS reports, or 0.
long lastLevelCacheBytes() {
  long best = 0;
#ifdef _SC_LEVEL3_CACHE_SIZE
  best = std::max(best, sysconf(_SC_LEVEL3_CACHE_SIZE));
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
  best = std::max(best, sysconf(_SC_LEVEL2_CACHE_SIZE));
#endif
  return best;
}
} // namespace

int main(int argc, char **argv) {
  unsigned threads = 0;
  long mib = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--mib=", 6) == 0) {
      mib = std::atol(argv[i] + 6);
      if (mib <= 0) {
        std::fprintf(stderr,
                     "mha-read-bandwidth: --mib must be positive, "
                     "got '%s'\n",
                     argv[i] + 6);
        return 1;
      }
    } else {
      char *end = nullptr;
      long t = std::strtol(argv[i], &end, 10);
      if (*argv[i] == '\0' || *end != '\0' || t < 0) {
        std::fprintf(stderr,
                     "mha-read-bandwidth: expected [threads] [--mib=N], got "
                     "'%s'\n",
                     argv[i]);
        return 1;
      }
      threads = static_cast<unsigned>(t);
    }
  }
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  // 4x the LLC so that nothing of one pass survives to the next.
  long llc = lastLevelCacheBytes();
  if (mib == 0)
    mib = std::max<long>(512, 4 * llc / (1 << 20));
  size_t n = static_cast<size_t>(mib) * (1 << 20) / sizeof(float);

  enum class Isa { Avx512, Avx2, Sse2 };
  Isa isa = __builtin_cpu_supports("avx512f") ? Isa::Avx512
            : __builtin_cpu_supports("avx2")  ? Isa::Avx2
                                              : Isa::Sse2;
  const char *isaName = isa == Isa::Avx512 ? "avx512"
                        : isa == Isa::Avx2 ? "avx2"
                                           : "sse2";
  float *buf = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
  if (!buf) {
    std::fprintf(stderr, "mha-read-bandwidth: cannot allocate %ld MiB\n", mib);
    return 1;
  }
  // Each thread first-touches its own share (the pages land on its node).
  auto share = [&](unsigned t) {
    size_t per = (n / threads) & ~size_t(63);
    size_t begin = t * per;
    return std::make_pair(begin, t + 1 == threads ? n - begin : per);
  };
  auto runAll = [&](auto body) {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { body(t); });
    for (std::thread &th : pool)
      th.join();
  };
  runAll([&](unsigned t) {
    auto [begin, len] = share(t);
    for (size_t i = 0; i < len; ++i)
      buf[begin + i] = 1.0f;
  });

  std::vector<double> rates;
  std::vector<float> sink(threads);
  for (int rep = 0; rep < kReps; ++rep) {
    auto start = std::chrono::steady_clock::now();
    runAll([&](unsigned t) {
      auto [begin, len] = share(t);
      const float *p = buf + begin;
      sink[t] = isa == Isa::Avx512 ? sumAvx512(p, len)
                : isa == Isa::Avx2 ? sumAvx2(p, len)
                                   : sumSse2(p, len);
    });
    std::chrono::duration<double> s = std::chrono::steady_clock::now() - start;
    rates.push_back(double(n) * sizeof(float) / s.count() / 1e9);
    if (sink[0] == 42.0f) // keep the sums alive
      std::puts("");
  }
  std::free(buf);
  std::sort(rates.begin(), rates.end());
  std::printf("{\"isa\": \"%s\", \"threads\": %u, \"buffer_mib\": %ld, "
              "\"llc_mib\": %.1f, \"gbps_median\": %.2f, \"gbps_max\": %.2f}\n",
              isaName, threads, mib, double(llc) / (1 << 20),
              rates[rates.size() / 2], rates.back());
  return 0;
}
