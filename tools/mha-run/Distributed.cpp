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

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
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

/// The dim a rank's shard of shape `local` splits of `full` (the first that
/// differs; a dynamic dim is not a split). A mask's, an lse's or a layer
/// weight's split dim is not the attention's.
int64_t splitDim(const std::vector<int64_t> &full,
                 const std::vector<int64_t> &local) {
  for (size_t d = 0; d < full.size() && d < local.size(); ++d)
    if (local[d] >= 0 && full[d] != local[d])
      return d;
  return -1;
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

/// This process's place in the MPI job, for the bounded waits and the
/// failure hook.
struct Job {
  int rank = 0, size = 0;
  /// --mpi-timeout: how long one wait may take.
  double timeout = 0;
  /// Before the run, a failing rank agrees with the others to stop; during
  /// it, it aborts the job; after MPI_Finalize, it fails as one process.
  enum Phase { Setup, Running, Finished } phase = Setup;
};
Job job;

/// Prints `message` as this rank's error and ends the whole job: a rank
/// that fails while the others wait on it must not leave them waiting.
[[noreturn]] void abortJob(const llvm::Twine &message) {
  llvm::errs() << "mha-run: error: rank " << job.rank << ": " << message
               << "\n";
  llvm::errs().flush();
  MPI_Abort(MPI_COMM_WORLD, kUsageError);
  std::_Exit(kUsageError);
}

/// `x` as few digits as it needs ("3", "0.5").
std::string seconds(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", x);
  return text;
}

/// Polls `request` until it completes; after --mpi-timeout seconds, aborts
/// the job with `what()` (what this rank waited for). Open MPI's MPI_Wait
/// polls too (MPI_Test progresses the transfers, and yields the core when
/// Open MPI runs oversubscribed); this one also gives up.
int boundedWait(MPI_Request *request, MPI_Status *status,
                llvm::function_ref<std::string()> what) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration<double>(job.timeout);
  for (;;) {
    int done = 0;
    int rc = MPI_Test(request, &done, status);
    if (rc != MPI_SUCCESS || done)
      return rc;
    if (std::chrono::steady_clock::now() > deadline)
      abortJob(what() + " within " + seconds(job.timeout) +
               " s (--mpi-timeout): a rank failed, hangs or runs something "
               "else; aborting the job");
  }
}

/// The ring's point-to-point messages in flight: who the peer is, for the
/// error of a wait that times out.
struct Message {
  int peer, tag, bytes;
  bool receive;
};
std::map<MPI_Request, Message> inFlight;
/// Completed waits per (tag, receive) in the current call: the ring step.
std::map<std::pair<int, bool>, int> stepsDone;

// The compiled program's MPI_Isend, MPI_Irecv and MPI_Wait (bound by name
// by the JIT): Open MPI's, plus the bookkeeping and bound of the wait.
int ringIsend(const void *buffer, int count, MPI_Datatype type, int dest,
              int tag, MPI_Comm comm, MPI_Request *request) {
  int rc = MPI_Isend(buffer, count, type, dest, tag, comm, request);
  if (rc == MPI_SUCCESS)
    inFlight[*request] = {dest, tag, count, /*receive=*/false};
  return rc;
}

int ringIrecv(void *buffer, int count, MPI_Datatype type, int source, int tag,
              MPI_Comm comm, MPI_Request *request) {
  int rc = MPI_Irecv(buffer, count, type, source, tag, comm, request);
  if (rc == MPI_SUCCESS)
    inFlight[*request] = {source, tag, count, /*receive=*/true};
  return rc;
}

int ringWait(MPI_Request *request, MPI_Status *status) {
  auto it = inFlight.find(*request);
  if (it == inFlight.end())
    return boundedWait(request, status, [] { return std::string("a wait"); });
  Message message = it->second;
  inFlight.erase(it);
  int &done = stepsDone[{message.tag, message.receive}];
  int rc = boundedWait(request, status, [&] {
    std::string step =
        llvm::formatv("ring step {0} of {1}: ", done + 1, job.size - 1);
    std::string what =
        llvm::formatv("(message {0}, {1} bytes)", message.tag, message.bytes);
    return message.receive
               ? llvm::formatv("{0}no block from rank {1} {2}", step,
                               message.peer, what)
                     .str()
               : llvm::formatv("{0}rank {1} did not take its block {2}", step,
                               message.peer, what)
                     .str();
  });
  ++done;
  return rc;
}

/// Whether a rank failed since the last agreement: every rank calls this at
/// the same points (a failing one from the failure hook, at the next
/// point); returns the lowest failing rank, or -1.
int agree(bool failed, llvm::StringRef phase) {
  int mine = failed ? job.rank : job.size, lowest = job.size;
  MPI_Request request;
  MPI_Iallreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &request);
  boundedWait(&request, MPI_STATUS_IGNORE, [&] {
    return ("the other ranks did not finish " + phase).str();
  });
  return lowest < job.size ? lowest : -1;
}

/// tool::fail on a rank: before the run, every rank stops at the next
/// agreement and the lowest failing rank reports (rank 0 without a prefix:
/// an error every rank has reads as it would on one process); during the
/// run, the job is aborted.
void failRank(const std::string &message, int exitCode) {
  if (job.phase == Job::Running)
    abortJob(message);
  if (job.phase == Job::Finished)
    return;
  job.phase = Job::Finished;
  if (agree(/*failed=*/true, "preparing the run") == job.rank)
    llvm::errs() << "mha-run: error: "
                 << (job.rank ? "rank " + std::to_string(job.rank) + ": " : "")
                 << message << "\n";
  llvm::errs().flush();
  MPI_Finalize();
  std::exit(exitCode);
}

/// An MPI collective of rank 0's report, bounded like the ring's waits.
void wait(MPI_Request &request, llvm::StringRef what) {
  boundedWait(&request, MPI_STATUS_IGNORE, [&] { return what.str(); });
}

/// The environment variables MPI launchers (Open MPI's mpirun, MPICH's
/// hydra, PMIx and PMI-2 launchers such as srun) give their processes.
bool startedByLauncher() {
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                           "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(name))
      return true;
  return false;
}

/// This process's rank as its launcher says, before MPI_Init ("?" if none).
const char *launcherRank() {
  for (const char *name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char *rank = std::getenv(name))
      return rank;
  return "?";
}

/// What SIGALRM during MPI_Init prints, composed before (a signal handler
/// may only write).
char initTimeoutMessage[256];

/// SIGALRM during MPI_Init: a process of the job never joined it.
void initTimedOut(int) {
  ssize_t written =
      ::write(2, initTimeoutMessage, std::strlen(initTimeoutMessage));
  (void)written;
  std::_Exit(kUsageError);
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
  if (!(shard.timeoutSeconds > 0) || !std::isfinite(shard.timeoutSeconds))
    fail("--mpi-timeout: expected a finite number of seconds > 0, got " +
         seconds(shard.timeoutSeconds));
  // Without a launcher, MPI_Init makes a job of one process (or, where
  // singletons are not supported, fails in MPI's words).
  if (shard.gridSize > 1 && !startedByLauncher())
    fail(flag + "=" + llvm::Twine(shard.gridSize) + " needs " +
         llvm::Twine(shard.gridSize) +
         " MPI processes, this run has 1: it was not started by an MPI "
         "launcher (start it with mpirun -np " +
         llvm::Twine(shard.gridSize) + ")");

  // A process of the job that never calls MPI_Init would hang the others
  // in it: a watchdog bounds it.
  std::snprintf(initTimeoutMessage, sizeof(initTimeoutMessage),
                "mha-run: error: rank %s: MPI_Init did not finish within %s s "
                "(--mpi-timeout): a process of the job did not start or "
                "hangs\n",
                launcherRank(), seconds(shard.timeoutSeconds).c_str());
  struct sigaction watchdog = {}, saved = {};
  watchdog.sa_handler = initTimedOut;
  sigaction(SIGALRM, &watchdog, &saved);
  alarm(static_cast<unsigned>(std::ceil(shard.timeoutSeconds)));
  MPI_Init(nullptr, nullptr);
  alarm(0);
  sigaction(SIGALRM, &saved, nullptr);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  job.rank = rank;
  job.size = size;
  job.timeout = shard.timeoutSeconds;
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

  // From here on, an error on any rank ends every rank (failRank): before
  // the run at the next agreement, with one report.
  setFailHook(failRank);
  auto failAll = [&](const llvm::Twine &message) { fail(message); };
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
  // Causal ring attention balances its work with the zig-zag layout.
  bool zigzag =
      local->lookupSymbol<func::FuncOp>(fullSig.name)->hasAttr("mha.zigzag");
  std::vector<HostTensor> args;
  // An argument the partitioned entry takes whole (the replicated query of
  // a decode step, a broadcast mask, a layer's inputs) is passed whole; a
  // split one along the dim that shrank (a layer's weights: columns or
  // rows). Only the sequence
  // (dim 2: queries, mask rows, lse) is in the zig-zag layout.
  for (auto [full, spec] : llvm::zip(fullArgs, sig.args)) {
    int64_t dim = splitDim(full.shape, spec.shape);
    args.push_back(dim < 0 ? full
                           : takeShard(full, dim, shard.gridSize, rank,
                                       zigzag && dim == 2));
  }
  failOn(checkInputs(sig, args), flag + ": ");

  // The ring's MPI calls, bound by address to this process's Open MPI.
  // MPI_Wait is a bounded one (--mpi-timeout) that names what it waited for.
  std::vector<JitFunction::SymbolOverride> mpiSymbols = {
      {"MPI_Comm_rank", reinterpret_cast<void *>(&MPI_Comm_rank)},
      {"MPI_Isend", reinterpret_cast<void *>(&ringIsend)},
      {"MPI_Irecv", reinterpret_cast<void *>(&ringIrecv)},
      {"MPI_Wait", reinterpret_cast<void *>(&ringWait)},
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
  // Every rank is ready (or all stop, one of them saying why).
  if (agree(/*failed=*/false, "preparing the run") >= 0) {
    job.phase = Job::Finished;
    MPI_Finalize();
    return kUsageError;
  }
  // An error now aborts the job (the others may wait in the ring).
  job.phase = Job::Running;
  auto run = [&] {
    stepsDone.clear();
    return check(jit->run(args), "run failed: ");
  };
  std::vector<HostTensor> localResults = run();

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
    MPI_Request request;
    MPI_Igather(part.bytes.data(), part.bytes.size(), MPI_BYTE, gathered.data(),
                part.bytes.size(), MPI_BYTE, 0, MPI_COMM_WORLD, &request);
    wait(request, "gathering the results on rank 0: not every rank sent its "
                  "part");
    int64_t dim = splitDim(spec.shape, part.shape);
    if (rank == 0)
      report.results.push_back(joinShards(part.dtype, part.shape, dim, size,
                                          zigzag && dim == 2, gathered));
  }

  std::optional<BenchResult> bench;
  // The median CPU time of a call on the slowest rank: with one thread per
  // rank, what the ranks would take on cores of their own (a shared
  // machine's wall times measure its scheduler).
  std::optional<double> cpuMedian;
  if (runOptions.benchRuns) {
    // Each call starts together; a call takes as long as its slowest rank.
    run(); // warm-up
    std::vector<double> times;
    auto cpuNow = [] {
      timespec ts;
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
      return ts.tv_sec + 1e-9 * ts.tv_nsec;
    };
    for (unsigned i = 0; i < runOptions.benchRuns; ++i) {
      MPI_Request request;
      MPI_Ibarrier(MPI_COMM_WORLD, &request);
      wait(request, "--bench: not every rank started the next call");
      auto start = std::chrono::steady_clock::now();
      double cpuStart = cpuNow();
      run();
      double cpu = cpuNow() - cpuStart;
      std::chrono::duration<double> t =
          std::chrono::steady_clock::now() - start;
      times.push_back(t.count());
      times.push_back(cpu);
    }
    std::vector<double> slowest(times.size());
    MPI_Request request;
    MPI_Ireduce(times.data(), slowest.data(), times.size(), MPI_DOUBLE, MPI_MAX,
                0, MPI_COMM_WORLD, &request);
    wait(request, "--bench: not every rank sent its times");
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
  MPI_Request request;
  MPI_Igather(&rss, 1, MPI_DOUBLE, rssAll.data(), 1, MPI_DOUBLE, 0,
              MPI_COMM_WORLD, &request);
  wait(request, "gathering the peak memory on rank 0: not every rank sent it");
  std::string compileSeconds =
      llvm::formatv("{0:f3}", jit->getCompileSeconds()).str();
  std::string targetName = jit->getTarget().describe();
  jit.reset();
  job.phase = Job::Finished;
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
