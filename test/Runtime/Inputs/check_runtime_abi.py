"""Checks libmha_runtime's ABI against what MLIR 22 emits calls to.

usage: check_runtime_abi.py HEADER NM_OUTPUT LLVM_IR...

HEADER is include/mha/Runtime/Runtime.h, NM_OUTPUT the output of
`llvm-nm -D --defined-only libmha_runtime.so`, and each LLVM_IR file is
lowered code. Checks that
  - the library exports exactly the functions the header declares, and
  - every runtime function the IR declares (mgpu*, _mlir_memref_to_llvm_*,
    memrefCopy) is exported, with the header's signature in LLVM types.
Prints the checked declarations, sorted, then "OK"; exits 1 on a mismatch.
"""

import re
import sys

RUNTIME_FUNCTION = re.compile(r"^(mgpu\w+|_mlir_memref_to_llvm_\w+|memrefCopy)$")

# C types of Runtime.h -> LLVM IR types on x86-64 Linux.
C_TO_LLVM = {
    "void": "void",
    "double": "double",
    "int": "i32",
    "int32_t": "i32",
    "uint32_t": "i32",
    "int64_t": "i64",
    "uint64_t": "i64",
    "intptr_t": "i64",
    "size_t": "i64",
    "uint16_t": "i16",
    "uint8_t": "i8",
}


def llvm_type(c_type):
    c_type = c_type.replace("const ", "").strip()
    if "*" in c_type:
        return "ptr"
    if c_type not in C_TO_LLVM:
        sys.exit(f"error: no LLVM type for C type '{c_type}' in the header")
    return C_TO_LLVM[c_type]


def parse_header(path):
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    functions = {}
    for match in re.finditer(r"MHA_RUNTIME_EXPORT\s+([^;{]*?)\(([^)]*)\)\s*;", text):
        head = " ".join(match.group(1).split())
        name = re.search(r"(\w+)$", head).group(1)
        result = llvm_type(head[: -len(name)])
        params = []
        for param in match.group(2).split(","):
            param = " ".join(param.split())
            if param in ("", "void"):
                continue
            # Drop the parameter name (every one is named in the header).
            param = re.sub(r"\w+$", "", param)
            params.append(llvm_type(param))
        functions[name] = (result, tuple(params))
    return functions


def parse_exports(path):
    exported = set()
    for line in open(path):
        fields = line.split()
        if len(fields) == 3 and fields[1] == "T":
            exported.add(fields[2])
    return exported


def parse_declarations(paths):
    declared = {}
    for path in paths:
        for line in open(path):
            match = re.match(r"declare (?:\w+ )*?(\S+) @([\w.]+)\((.*)\)", line)
            if not match or not RUNTIME_FUNCTION.match(match.group(2)):
                continue
            params = tuple(
                p.split()[0] for p in match.group(3).split(",") if p.strip()
            )
            declared[match.group(2)] = (match.group(1), params)
    return declared


def signature(name, sig):
    return f"{sig[0]} @{name}({', '.join(sig[1])})"


def main():
    header = parse_header(sys.argv[1])
    exported = parse_exports(sys.argv[2])
    declared = parse_declarations(sys.argv[3:])
    errors = []
    for name in sorted(set(header) - exported):
        errors.append(f"{name} is declared in Runtime.h but not exported")
    for name in sorted(exported - set(header)):
        errors.append(f"{name} is exported but not declared in Runtime.h")
    for name, sig in sorted(declared.items()):
        if name not in exported:
            errors.append(f"lowered code calls {signature(name, sig)}, "
                          "which libmha_runtime does not export")
        elif name in header and header[name] != sig:
            errors.append(f"lowered code calls {signature(name, sig)}, "
                          f"Runtime.h declares {signature(name, header[name])}")
    for name, sig in sorted(declared.items()):
        print(signature(name, sig))
    for error in errors:
        print("error: " + error)
    print("FAILED" if errors else "OK")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
