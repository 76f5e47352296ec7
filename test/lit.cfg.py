# -*- Python -*-
import glob
import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MHA"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "Unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mha_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mha_src_root", config.mha_src_root))
config.substitutions.append(("%mha_obj_root", config.mha_obj_root))
# python3 is not instrumented: in a sanitizer build it loads the runtime
# first (LD_PRELOAD) to import the instrumented module, as
# scripts/test-sanitizers.sh runs pytest; loaded later by the module, the
# runtime frees what libc allocated before it. The interpreter's own
# allocations would be reported as leaks at exit. (Before
# use_default_substitutions, whose %python is lit's own interpreter.)
asan_options = "detect_leaks=0:" + os.environ.get("ASAN_OPTIONS", "")
python = config.python_executable
if config.mha_sanitize:
    asan_runtime = subprocess.run(
        [os.path.join(config.llvm_tools_dir, "clang"),
         "--print-file-name=libclang_rt.asan-x86_64.so"],
        capture_output=True, text=True).stdout.strip()
    python = "env LD_PRELOAD=%s ASAN_OPTIONS=%s %s" % (asan_runtime, asan_options,
                                                       python)
config.substitutions.append(("%python", python))

# Strict FileCheck, as upstream MLIR.
config.environment["FILECHECK_OPTS"] = (
    "--enable-var-scope --allow-unused-prefixes=false"
)

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.mha_tools_dir, config.llvm_tools_dir]
tools = ["mha-opt", "mha-run", "mha-compile", "mha-aot-check"]
# libFuzzer targets (fuzz/), built when clang has libFuzzer.
if config.mha_enable_fuzzers:
    config.available_features.add("fuzzers")
    tools += ["mha-npy-fuzzer", "mha-options-fuzzer", "mha-pipeline-fuzzer"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.mha_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Ahead-of-time outputs (test/AOT): a C compiler driver for the programs that
# link them, and the folders of libmha_runtime.so and libomp.so.
# In a sanitizer build (scripts/test-sanitizers.sh) the programs that link
# libmha_runtime.so are built with the same sanitizers.
cc = os.path.join(config.llvm_tools_dir, "clang")
if config.mha_sanitize:
    runtime_dir = subprocess.run([cc, "--print-runtime-dir"], capture_output=True,
                                 text=True).stdout.strip()
    cc += " -fsanitize=%s -shared-libsan -Wl,-rpath,%s" % (
        config.mha_sanitize.replace(";", ","), runtime_dir)
    cc += " -Wno-unused-command-line-argument"  # the rpath of -fsyntax-only runs
    sanitizer_ldflags = "-fsanitize=%s -shared-libsan -Wl,-rpath,%s" % (
        config.mha_sanitize.replace(";", ","), runtime_dir)
    config.available_features.add("sanitizers")
else:
    sanitizer_ldflags = ""
config.substitutions.append(("%cc", cc))
# What a program linking the project's (instrumented) static libraries adds.
config.substitutions.append(("%sanitizer_ldflags", sanitizer_ldflags))
config.substitutions.append(("%mha_lib_dir", os.path.join(config.mha_obj_root, "lib")))
config.substitutions.append(
    ("%omp_lib_dir", os.path.normpath(os.path.join(config.llvm_tools_dir, "..", "lib"))))


def cuda_gpu_present():
    """A GPU is present only if the driver reports at least one device."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


# The Python bindings were built (nanobind was found at configure time).
if glob.glob(os.path.join(config.mha_obj_root, "python_packages", "mha", "_mha*.so")):
    config.available_features.add("mha-python")

if cuda_gpu_present():
    config.available_features.add("cuda-gpu")
if shutil.which("ptxas") or os.path.exists("/usr/local/cuda/bin/ptxas"):
    config.available_features.add("ptxas")


def mpirun_works():
    """mpirun starts two ranks of a trivial program on this machine."""
    if not (config.mha_have_mpi and config.mpiexec):
        return False
    try:
        out = subprocess.run(
            [config.mpiexec, "--oversubscribe", "-np", "2", "true"],
            capture_output=True, timeout=60, env=mpi_env)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0


# Distributed attention (mha-run --shard-*): mha-run was built with MPI and
# mpirun works here. Root (CI containers) needs Open MPI's explicit consent.
mpi_env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
if mpirun_works():
    config.available_features.add("mpi")
    for key in ("OMPI_ALLOW_RUN_AS_ROOT", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM",
                "OMPI_MCA_rmaps_base_oversubscribe"):
        config.environment[key] = mpi_env[key]
    # Under the sanitizers, Open MPI's ranks run without leak checking: what
    # MPI_Init allocates and MPI_Finalize keeps comes from components it has
    # dlclosed by exit and from libraries without frame pointers, so
    # LeakSanitizer can neither attribute nor suppress it (docs/testing.md).
    # ASan's and UBSan's checks stay on.
    mpirun = config.mpiexec + " --oversubscribe --bind-to none"
    if config.mha_sanitize:
        mpirun += " -x ASAN_OPTIONS=" + asan_options
    config.substitutions.append(("%mpirun", mpirun))

def host_cpu_flags():
    """The host CPU's feature flags as Linux reports them (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


# Tests that execute AVX512-BF16 instructions (vdpbf16ps) REQUIRE this, so a
# host without them skips them instead of dying on SIGILL.
if {"avx512f", "avx512_bf16"} <= host_cpu_flags():
    config.available_features.add("host-avx512bf16")
