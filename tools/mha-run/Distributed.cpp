//===- Distributed.cpp - mha-run --shard-sequence / --shard-heads ---------===//

#include "Distributed.h"

#include "ToolSupport.h"

#include "mha/Conversion/Passes.h"
#include "mha/Dialect/MHA/Transforms/Passes.h"
#include "mha/Runner/Flops.h"
#include "mha/Runner/JitSession.h"
#include "mha/Runner/OracleFunction.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FormatVariadic.h"

#ifdef MHA_HAVE_MPI
#include <mpi.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#endif

using namespace mlir;
using namespace mlir::mha;
using namespace mlir::mha::runner;
using namespace mlir::mha::tool;

#ifndef MHA_HAVE_MPI

int mlir::mha::tool::runDistributed(ModuleOp, llvm::StringRef, llvm::StringRef,
                                    const CompileOptions &, const RunOptions &,
                                    bool, const ShardFlags &shard) {
  fail("--shard-" + shard.axis +
       ": this mha-run was built without MPI (install Open MPI, e.g. "
       "libopenmpi-dev openmpi-bin, and reconfigure)");
}

#else

namespace {
/// The chunks (of `parts` equal ones along the sequence) rank `rank` of `n`
/// holds: its block, or chunks r and 2n-1-r in the zig-zag layout of
/// causal ring attention.
std::vector<int64_t> rankChunks(int64_t rank, int64_t n, bool zigzag) {
  if (zigzag)
    return {rank, 2 * n - 1 - rank};
  return {rank};
}

/// Sizes of the dims of `shape` before and after `dim`.
std::pair<int64_t, int64_t> outerInner(const std::vector<int64_t> &shape,
                                       int64_t dim) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  for (size_t d = dim + 1; d < shape.size(); ++d)
    inner *= shape[d];
  return {outer, inner};
}

/// Rank `rank`'s shard of `full` along `dim`: its chunks, side by side.
HostTensor takeShard(const HostTensor &full, int64_t dim, int64_t n,
                     int64_t rank, bool zigzag) {
  std::vector<int64_t> chunks = rankChunks(rank, n, zigzag);
  int64_t parts = zigzag ? 2 * n : n;
  std::vector<int64_t> shape = full.shape;
  shape[dim] /= n;
  HostTensor part(full.dtype, shape);
  auto [outer, inner] = outerInner(full.shape, dim);
  size_t chunk = full.shape[dim] / parts * inner * dtypeSize(full.dtype);
  size_t c = chunks.size();
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < c; ++i)
      std::memcpy(part.bytes.data() + (o * c + i) * chunk,
                  full.bytes.data() + (o * parts + chunks[i]) * chunk, chunk);
  return part;
}

/// Reassembles the shards of all `n` ranks (concatenated rank after rank in
/// `gathered`, each of shape `local`) along `dim`.
HostTensor joinShards(DType dtype, const std::vector<int64_t> &local,
                      int64_t dim, int64_t n, bool zigzag,
                      const std::vector<uint8_t> &gathered) {
  std::vector<int64_t> shape = local;
  shape[dim] *= n;
  HostTensor full(dtype, shape);
  int64_t parts = zigzag ? 2 * n : n;
  auto [outer, inner] = outerInner(local, dim);
  size_t chunk = shape[dim] / parts * inner * dtypeSize(dtype);
  size_t block = outer * local[dim] * inner * dtypeSize(dtype);
  for (int64_t r = 0; r < n; ++r) {
    std::vector<int64_t> chunks = rankChunks(r, n, zigzag);
    size_t c = chunks.size();
    for (int64_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < c; ++i)
        std::memcpy(full.bytes.data() + (o * parts + chunks[i]) * chunk,
                    gathered.data() + r * block + (o * c + i) * chunk, chunk);
  }
  return full;
}

/// Peak resident memory of this process in bytes.
double peakRSSBytes() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024.0;
}
} // namespace

int mlir::mha::tool::runDistributed(ModuleOp module, llvm::StringRef file,
                                    llvm::StringRef entry,
                                    const CompileOptions &compileOptions,
                                    const RunOptions &runOptions, bool verify,
                                    const ShardFlags &shard) {
  std::string flag = "--shard-" + shard.axis;
  if (shard.gridSize < 1)
    fail(flag + ": the number of processes must be >= 1, got " +
         llvm::Twine(shard.gridSize));
  PipelineKind pipeline = compileOptions.getPipelineKind();
  if (pipeline == PipelineKind::GPU)
    fail(flag + " runs the cpu or reference pipeline on each rank, not gpu");

  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != shard.gridSize) {
    // Every rank sees the same sizes: all stop, none waits for another.
    if (rank == 0)
      llvm::errs() << "mha-run: error: " << flag << "=" << shard.gridSize
                   << " needs " << shard.gridSize
                   << " MPI processes, this run has " << size
                   << " (start it with mpirun -np " << shard.gridSize << ")\n";
    MPI_Finalize();
    return kUsageError;
  }

  // Errors before the run are the same on every rank: rank 0 reports them,
  // the others exit quietly with it.
  auto failAll = [&](const llvm::Twine &message) {
    if (rank != 0)
      std::exit(kUsageError);
    fail(message);
  };
  auto checkAll = [&](auto value, const llvm::Twine &context) {
    if (!value)
      failAll(context + llvm::toString(value.takeError()));
    return std::move(*value);
  };

  EntrySignature fullSig =
      checkAll(getEntrySignature(module, entry), "'" + file.str() + "': ");
  auto func = module.lookupSymbol<func::FuncOp>(fullSig.name);
  // Every rank builds the same full inputs (same files or seed).
  std::vector<HostTensor> fullArgs =
      runOptions.makeInputs(fullSig.name, fullSig.args);
  failOn(checkInputs(fullSig, fullArgs));

  // The program of one rank.
  OwningOpRef<ModuleOp> local = module.clone();
  // Only the entry is sharded: the other functions of the file go.
  for (auto other : llvm::make_early_inc_range(local->getOps<func::FuncOp>()))
    if (other.getName() != fullSig.name && other.isPublic())
      other.erase();
  {
    PassManager pm(module.getContext());
    MHAShardAttentionOptions annotate;
    annotate.gridSize = shard.gridSize;
    annotate.axis = shard.axis;
    pm.addPass(createMHAShardAttention(annotate));
    pm.addPass(createMHAPartitionAttention());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createConvertMHAShardToMPI());
    std::string diagnostics;
    llvm::raw_string_ostream os(diagnostics);
    ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
      os << d.str();
      return success();
    });
    if (failed(pm.run(*local)))
      failAll(flag + ": " + diagnostics);
  }
  EntrySignature sig = checkAll(getEntrySignature(*local, fullSig.name),
                                flag + ": partitioned entry: ");
  int64_t dim = shard.axis == "heads" ? 1 : 2;
  // Causal ring attention balances its work with the zig-zag layout.
  bool zigzag =
      local->lookupSymbol<func::FuncOp>(fullSig.name)->hasAttr("mha.zigzag");
  std::vector<HostTensor> args;
  // An argument the partitioned entry takes whole (the replicated query of
  // a decode step, a layer's inputs) is passed whole; a split one is split
  // along the dim that shrank (a layer's weights: columns or rows).
  for (auto [full, spec] : llvm::zip(fullArgs, sig.args)) {
    int64_t splitDim = -1;
    for (size_t d = 0; d < full.shape.size() && d < spec.shape.size(); ++d)
      if (spec.shape[d] >= 0 && spec.shape[d] != full.shape[d])
        splitDim = d;
    args.push_back(
        splitDim < 0 ? full
                     : takeShard(full, splitDim, shard.gridSize, rank, zigzag));
  }
  failOn(checkInputs(sig, args), flag + ": ");

  // The ring's MPI calls, bound by address to this process's Open MPI.
  std::vector<JitFunction::SymbolOverride> mpiSymbols = {
      {"MPI_Comm_rank", reinterpret_cast<void *>(&MPI_Comm_rank)},
      {"MPI_Isend", reinterpret_cast<void *>(&MPI_Isend)},
      {"MPI_Irecv", reinterpret_cast<void *>(&MPI_Irecv)},
      {"MPI_Wait", reinterpret_cast<void *>(&MPI_Wait)},
      {"MPI_Allreduce", reinterpret_cast<void *>(&MPI_Allreduce)},
      {"ompi_mpi_comm_world", static_cast<void *>(&ompi_mpi_comm_world)},
      {"ompi_mpi_byte", static_cast<void *>(&ompi_mpi_byte)},
      {"ompi_mpi_float", static_cast<void *>(&ompi_mpi_float)},
      {"ompi_mpi_double", static_cast<void *>(&ompi_mpi_double)},
      {"ompi_mpi_op_sum", static_cast<void *>(&ompi_mpi_op_sum)},
      {"ompi_mpi_op_max", static_cast<void *>(&ompi_mpi_op_max)},
      {"ompi_mpi_op_min", static_cast<void *>(&ompi_mpi_op_min)},
      {"ompi_mpi_op_prod", static_cast<void *>(&ompi_mpi_op_prod)},
  };
  TargetFlags target = compileOptions.getTarget();
  auto jit = checkAll(JitFunction::compile(*local, sig, pipeline,
                                           compileOptions.pipelineOptions,
                                           target, mpiSymbols),
                      flag + ": ");
  std::string onRank = "rank " + std::to_string(rank) + ": ";
  std::vector<HostTensor> localResults =
      check(jit->run(args), onRank + "run failed: ");

  // Rank 0 gathers every result along the split axis.
  RunReport report;
  for (auto [part, spec] : llvm::zip(localResults, fullSig.results)) {
    // A replicated result (decode) is whole on every rank.
    if (part.shape == spec.shape) {
      if (rank == 0)
        report.results.push_back(part);
      continue;
    }
    std::vector<uint8_t> gathered;
    if (rank == 0)
      gathered.resize(part.bytes.size() * size);
    MPI_Gather(part.bytes.data(), part.bytes.size(), MPI_BYTE, gathered.data(),
               part.bytes.size(), MPI_BYTE, 0, MPI_COMM_WORLD);
    if (rank == 0)
      report.results.push_back(
          joinShards(part.dtype, part.shape, dim, size, zigzag, gathered));
  }

  std::optional<BenchResult> bench;
  // The median CPU time of a call on the slowest rank: with one thread per
  // rank, what the ranks would take on cores of their own (a shared
  // machine's wall times measure its scheduler).
  std::optional<double> cpuMedian;
  if (runOptions.benchRuns) {
    // Each call starts together; a call takes as long as its slowest rank.
    check(jit->run(args)); // warm-up
    std::vector<double> times;
    auto cpuNow = [] {
      timespec ts;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return ts.tv_sec + 1e-9 * ts.tv_nsec;
    };
    for (unsigned i = 0; i < runOptions.benchRuns; ++i) {
      MPI_Barrier(MPI_COMM_WORLD);
      auto start = std::chrono::steady_clock::now();
      double cpuStart = cpuNow();
      check(jit->run(args));
      double cpu = cpuNow() - cpuStart;
      std::chrono::duration<double> t =
          std::chrono::steady_clock::now() - start;
      times.push_back(t.count());
      times.push_back(cpu);
    }
    std::vector<double> slowest(times.size());
    MPI_Reduce(times.data(), slowest.data(), times.size(), MPI_DOUBLE, MPI_MAX,
               0, MPI_COMM_WORLD);
    bench.emplace();
    std::vector<double> cpus;
    for (size_t i = 0; i < slowest.size(); i += 2) {
      bench->seconds.push_back(slowest[i]);
      cpus.push_back(slowest[i + 1]);
    }
    std::sort(cpus.begin(), cpus.end());
    cpuMedian = cpus[cpus.size() / 2];
    bench->flops = countFlops(func, fullArgs);
  }
  double rss = peakRSSBytes();
  std::vector<double> rssAll(size);
  MPI_Gather(&rss, 1, MPI_DOUBLE, rssAll.data(), 1, MPI_DOUBLE, 0,
             MPI_COMM_WORLD);
  std::string compileSeconds =
      llvm::formatv("{0:f3}", jit->getCompileSeconds()).str();
  std::string targetName = jit->getTarget().describe();
  jit.reset();
  MPI_Finalize();
  if (rank != 0)
    return 0;

  if (verify) {
    std::vector<Check> &checks = report.checks.emplace();
    auto ref = check(JitFunction::compile(module, fullSig,
                                          PipelineKind::Reference, "", target),
                     "reference pipeline: ");
    std::vector<HostTensor> expected = check(ref->run(fullArgs));
    for (size_t i = 0; i < report.results.size(); ++i) {
      Tolerance tol = runOptions.getTolerance(report.results[i].dtype);
      checks.push_back(
          {"reference", i, tol, compare(report.results[i], expected[i], tol)});
    }
    if (std::optional<std::vector<HostTensor>> oracle =
            evaluateWithOracle(func, fullArgs))
      for (size_t i = 0; i < oracle->size() && i < report.results.size(); ++i) {
        Tolerance tol = runOptions.getTolerance(report.results[i].dtype);
        checks.push_back(
            {"oracle", i, tol, compare(report.results[i], (*oracle)[i], tol)});
      }
  }
  report.bench = bench;
  report.outputFiles =
      runOptions.getOutputFiles(fullSig.name, report.results.size());
  writeOutputs(report.outputFiles, report.results);

  llvm::json::Array peak;
  double peakMax = 0;
  for (double r : rssAll) {
    peak.push_back(r / (1 << 20));
    peakMax = std::max(peakMax, r);
  }
  std::string heading = llvm::formatv(
      "@{0} sharded over {1} MPI ranks by {2} (ring: {3}), {4} pipeline per "
      "rank compiled in {5} s for {6}; peak memory per rank {7:f1} MiB (max)",
      fullSig.name, size, shard.axis,
      shard.axis == "heads" ? "no"
      : zigzag              ? "yes, zig-zag"
                            : "yes",
      pipelineName(pipeline), compileSeconds, targetName, peakMax / (1 << 20));
  if (cpuMedian)
    heading += llvm::formatv("; CPU time per call on the slowest rank {0:f4} s "
                             "(median)",
                             *cpuMedian)
                   .str();
  llvm::json::Object fields{{"file", file},
                            {"entry", fullSig.name},
                            {"pipeline", pipelineName(pipeline)},
                            {"ranks", size},
                            {"shard_axis", shard.axis},
                            {"peak_rss_mib_per_rank", std::move(peak)},
                            {"target_cpu", targetName},
                            {"compile_seconds", compileSeconds}};
  if (cpuMedian)
    fields["bench_cpu_median_seconds_slowest_rank"] = *cpuMedian;
  return printReport(report, runOptions, std::move(fields), heading);
}

#endif // MHA_HAVE_MPI
