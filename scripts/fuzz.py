#!/usr/bin/env python3
"""Coverage-guided fuzzing of every parser of outside data (`make fuzz`, and briefly in `make test`).

Builds `usage-etl-fuzz` with libFuzzer and AddressSanitizer (what `-sanitize=fuzzer,address` does) in
its own build folder, then runs each target (Sources/FuzzTargets) for FUZZ_SECONDS from its seed corpus
(Fixtures/pages and Fixtures/fuzz). Prints, per target, executions, coverage and crashes; a crash
keeps its input under .build/fuzz/crashes/TARGET/ and fails the run (exit 1).

    python3 scripts/fuzz.py [--seconds N] [--target NAME ...] [--jobs N]
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, ".build", "fuzz")
PAGES = os.path.join(ROOT, "Fixtures", "pages")
SEEDS = os.path.join(ROOT, "Fixtures", "fuzz")

USAGE_PAGES = [p for p in glob.glob(os.path.join(PAGES, "*.json"))
               if not os.path.basename(p).startswith(("costs-", "directory-", "error-"))]


def pages(prefix):
    return glob.glob(os.path.join(PAGES, prefix + "*.json"))


def seeds(name):
    return glob.glob(os.path.join(SEEDS, name, "*"))


# Each target's seed files and maximum input length (the largest seed it should be able to grow from).
TARGETS = {
    "json-tree": (glob.glob(os.path.join(PAGES, "*.json")) + seeds("json"), 24576),
    "json-walk": (glob.glob(os.path.join(PAGES, "*.json")) + seeds("json"), 24576),
    "usage-page": (USAGE_PAGES, 24576),
    "costs-page": (pages("costs-"), 24576),
    "page-stream": (USAGE_PAGES + pages("costs-"), 24576),
    "directory-page": (pages("directory-"), 8192),
    "api-error": (pages("error-"), 1024),
    "pipeline-file": (seeds("pipeline-file"), 8192),
    "organizations-file": (seeds("organizations-file"), 8192),
    "local-log-line": (seeds("local-log-line"), 1024),
    "time-text": (seeds("time-text"), 64),
    "decimal-text": (seeds("decimal-text"), 256),
    "numeric-binary": (seeds("decimal-text"), 256),
}
JSON_TARGETS = {"json-tree", "json-walk", "usage-page", "costs-page", "page-stream", "directory-page", "api-error"}


def libfuzzer_archive():
    """libFuzzer without its main, from the Swift toolchain's compiler-rt."""
    swift = os.path.realpath(shutil.which("swift") or sys.exit("fuzz: swift is not on PATH"))
    found = glob.glob(os.path.join(os.path.dirname(os.path.dirname(swift)), "lib", "clang", "*", "lib", "linux",
                                   "libclang_rt.fuzzer_no_main-x86_64.a"))
    if not found:
        sys.exit("fuzz: this Swift toolchain has no libclang_rt.fuzzer_no_main (libFuzzer)")
    return found[0]


def build():
    # What `-sanitize=fuzzer,address` does, split in two: every Swift module gets AddressSanitizer
    # and libFuzzer's coverage instrumentation, and libFuzzer itself comes without its `main`, so the
    # build's other executables (the SQL embedding tool) still link; usage-etl-fuzz's own main calls
    # LLVMFuzzerRunDriver.
    command = ["swift", "build", "--scratch-path", BUILD, "--product", "usage-etl-fuzz",
               "-Xswiftc", "-sanitize=address", "-Xswiftc", "-sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table",
               "-Xswiftc", "-DUSAGE_ETL_FUZZING", "-Xlinker", libfuzzer_archive(), "-Xlinker", "-lstdc++"]
    print("fuzz: building usage-etl-fuzz with libFuzzer and AddressSanitizer", flush=True)
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        # The linker warns about every ASan helper it cannot export; only the rest is worth reading.
        lines = [l for l in result.stdout.splitlines() if "Cannot export local symbol" not in l]
        print("\n".join(lines[-40:]))
        sys.exit("fuzz: build failed")
    binary = subprocess.run(command + ["--show-bin-path"], cwd=ROOT, stdout=subprocess.PIPE, text=True).stdout.strip()
    return os.path.join(binary, "usage-etl-fuzz")


def fuzz(binary, target, seconds):
    seed_files, max_len = TARGETS[target]
    corpus = os.path.join(BUILD, "corpus", target)   # grows from run to run
    seed_dir = os.path.join(BUILD, "seeds", target)  # this checkout's seeds, fresh each run
    crashes = os.path.join(BUILD, "crashes", target)
    shutil.rmtree(seed_dir, ignore_errors=True)
    for folder in (corpus, seed_dir, crashes):
        os.makedirs(folder, exist_ok=True)
    for path in seed_files:
        shutil.copy(path, seed_dir)
    before = set(os.listdir(crashes))
    command = [binary, target, f"-max_total_time={seconds}", f"-max_len={max_len}", "-print_final_stats=1",
               "-timeout=10", "-rss_limit_mb=2048", "-malloc_limit_mb=1024", f"-artifact_prefix={crashes}/", corpus, seed_dir]
    if target in JSON_TARGETS:
        command.insert(2, "-dict=" + os.path.join(SEEDS, "json.dict"))
    environment = dict(os.environ, SWIFT_BACKTRACE="enable=no", ASAN_OPTIONS="detect_leaks=0:handle_abort=1")
    started = time.time()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                            env=environment, timeout=seconds * 3 + 120)
    output = result.stdout
    executions = re.search(r"stat::number_of_executed_units:\s*(\d+)", output)
    coverage = re.findall(r"\bcov: (\d+) ft: (\d+)", output)
    new_crashes = sorted(set(os.listdir(crashes)) - before)
    outcome = {
        "target": target,
        "seconds": round(time.time() - started, 1),
        "executions": int(executions.group(1)) if executions else 0,
        "coverage": int(coverage[-1][0]) if coverage else 0,
        "features": int(coverage[-1][1]) if coverage else 0,
        "corpus": len(os.listdir(corpus)),
        "crashes": [os.path.join(crashes, name) for name in new_crashes],
        "exit": result.returncode,
    }
    if result.returncode != 0 or new_crashes:
        finding = [l for l in output.splitlines() if "finding in" in l or "ERROR:" in l or "Fatal error" in l]
        outcome["reason"] = finding[0] if finding else output.strip().splitlines()[-1] if output.strip() else "exit %d" % result.returncode
        with open(os.path.join(crashes, "last-output.txt"), "w") as log:
            log.write(output)
    return outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")))
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="only this target (repeatable)")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("FUZZ_JOBS", "1")),
                        help="targets fuzzed at once (default 1: each has a core)")
    args = parser.parse_args()
    if args.seconds < 1:
        sys.exit("fuzz: --seconds must be at least 1")
    binary = build()
    targets = args.target or list(TARGETS)
    results = []
    if args.jobs <= 1:
        for target in targets:
            results.append(fuzz(binary, target, args.seconds))
            report(results[-1])
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for outcome in pool.map(lambda t: fuzz(binary, t, args.seconds), targets):
                results.append(outcome)
                report(outcome)
    failed = [r for r in results if r["crashes"] or r["exit"] != 0]
    total = sum(r["executions"] for r in results)
    print(f"fuzz: {len(results)} targets, {total} executions, {len(failed)} with crashes")
    for outcome in failed:
        print(f"fuzz: {outcome['target']} FAILED: {outcome.get('reason', '')}")
        for path in outcome["crashes"]:
            print(f"  kept input: {path}")
            print(f"  replay: swift run usage-etl-fuzz {outcome['target']} {path}")
    sys.exit(1 if failed else 0)


def report(outcome):
    status = "CRASH" if outcome["crashes"] or outcome["exit"] != 0 else "ok"
    print(f"  {outcome['target']:<15} {outcome['executions']:>10} execs  cov {outcome['coverage']:>5}  ft {outcome['features']:>6}"
          f"  corpus {outcome['corpus']:>5}  {outcome['seconds']:>6} s  {status}", flush=True)


if __name__ == "__main__":
    main()
