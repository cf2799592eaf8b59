#!/usr/bin/env bash
# The one entry point for building, demoing, testing and benchmarking dotnet-workers.
#
#   ./build.sh              build everything: the native core and launcher (CMake), the
#                           managed library, tests, samples and benchmarks (dotnet)
#   ./build.sh demo         build, then run the main demos (Fib, JobQueue) through the launcher
#   ./build.sh test         build, then run every test suite: the format checks, native
#                           (plain, under ASan+UBSan, and cross-built for linux-arm64 under qemu-user),
#                           managed, generator, launcher, sample smoke runs, and the packages
#                           (packed, installed, used from a fresh folder).
#                           The last line totals them all: "N passed, N failed".
#   ./build.sh bench [name] build, then run the benchmarks (all, or one of: boot, store, ipc, supervise, web, document, multihost);
#                           figures print one per line and land in artifacts/bench/*.json
#   ./build.sh pack         build (linux-x64, and linux-arm64 with Debian's cross toolchain), then
#                           write every NuGet package (the library, Hosting, Serilog, the templates,
#                           the dotnet-workers tool) to artifacts/packages/
#   ./build.sh clean        remove build/ and artifacts/
#
# Environment: JOBS (parallel native jobs, default: cores), DW_SKIP_SANITIZERS=1 to leave
# out the sanitizer build of the native tests (CI never sets it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
JOBS="${JOBS:-$(nproc)}"
ARTIFACTS="$ROOT/artifacts"
RESULTS="$ARTIFACTS/test-results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0

log() { printf '\n== %s\n' "$*"; }

build_native() {
  log "native: configure and build (build/native -> artifacts/bin)"
  cmake -S . -B build/native -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/native -j "$JOBS"
}

build_native_sanitized() {
  log "native: build under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan)"
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DDW_SANITIZE=ON \
    -DDW_OUTPUT_DIR="$ROOT/build/asan/bin" >/dev/null
  cmake --build build/asan -j "$JOBS"
}

# The native core, the launcher and the native tests for linux-arm64, cross-compiled with
# Debian's aarch64 toolchain (build/arm64 -> build/arm64/bin); the tests run under qemu-user.
# The packages carry its libdotnetworkers.so and launcher. GoogleTest for arm64 is built from
# Debian's sources (the googletest package), the .NET host pack restored from NuGet
# (cmake/HostPack: the SDK carries only its own machine's).
build_native_arm64() {
  log "native: cross-build for linux-arm64 (build/arm64 -> build/arm64/bin)"
  local tool
  for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "$tool is missing: apt-get install g++-aarch64-linux-gnu qemu-user (.ci/run installs them)" >&2
      return 1
    fi
  done
  local toolchain="$ROOT/cmake/aarch64-linux-gnu.cmake" gtest="$ROOT/build/arm64-gtest"
  if [[ ! -f "$gtest/install/lib/cmake/GTest/GTestConfig.cmake" ]]; then
    cmake -S /usr/src/googletest -B "$gtest" -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=Release \
      -DBUILD_GMOCK=OFF -DCMAKE_INSTALL_PREFIX="$gtest/install" >/dev/null
    cmake --build "$gtest" -j "$JOBS" >/dev/null
    cmake --install "$gtest" >/dev/null
  fi
  dotnet restore cmake/HostPack/HostPack.csproj -nodeReuse:false -v:quiet >/dev/null
  local host_pack
  host_pack="$(dotnet msbuild cmake/HostPack/HostPack.csproj -getProperty:HostPackDir -nodeReuse:false)"
  cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDW_OUTPUT_DIR="$ROOT/build/arm64/bin" -DGTest_DIR="$gtest/install/lib/cmake/GTest" \
    -DDOTNET_HOST_PACK_DIR="$host_pack" >/dev/null
  cmake --build build/arm64 -j "$JOBS"
}

build_managed() {
  log "managed: build the solution (artifacts/managed, tests, samples, testapps)"
  dotnet build dotnet-workers.slnx -c Release -nodeReuse:false -v:minimal -clp:NoSummary
}

build_all() {
  build_native
  build_managed
}

# ---- test suites: each adds to PASSED / FAILED --------------------------------------

PASSED=0
FAILED=0
SUMMARY=()

count() { # suite passed failed
  PASSED=$((PASSED + $2))
  FAILED=$((FAILED + $3))
  SUMMARY+=("$(printf '%-24s %5d passed, %d failed' "$1" "$2" "$3")")
}

run_ctest() { # suite build-dir
  local suite="$1" dir="$2" out
  log "$suite: ctest in $dir"
  out="$(ctest --test-dir "$dir" -j "$JOBS" --output-on-failure --timeout 120 2>&1)" || true
  printf '%s\n' "$out" | grep -E "Failed|\*\*\*|tests passed|tests failed" || true
  # "100% tests passed, 0 tests failed out of 53"; a skipped test (GTEST_SKIP) is neither.
  local line total failed skipped
  line="$(printf '%s\n' "$out" | grep -E 'tests failed out of [0-9]+' | tail -1)"
  if [[ -z "$line" ]]; then
    printf '%s\n' "$out" | tail -20
    count "$suite" 0 1
    return
  fi
  failed="$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")"
  total="$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$line")"
  skipped="$(printf '%s\n' "$out" | grep -cE '\*\*\*Skipped' || true)"
  ((skipped == 0)) || suite="$suite, $skipped skipped"
  count "$suite" $((total - failed - skipped)) "$failed"
}

run_dotnet_tests() { # suite project
  local suite="$1" project="$2" trx="$RESULTS/$1.trx"
  log "$suite: dotnet test $project"
  rm -f "$trx"
  local rc=0
  dotnet test "$project" -c Release --no-build -nodeReuse:false \
    --logger "trx;LogFileName=$trx" --logger "console;verbosity=minimal" || rc=$?
  if [[ ! -f "$trx" ]]; then
    echo "no test results from $project: counting the suite as one failure"
    count "$suite" 0 1
    return
  fi
  # <Counters total="27" executed="27" passed="27" failed="0" ... />
  local counters passed failed total
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  total="$(grep -o 'total="[0-9]*"' <<<"$counters" | grep -o '[0-9]*')"
  passed="$(grep -o ' passed="[0-9]*"' <<<"$counters" | grep -o '[0-9]*')"
  failed=$((total - passed))
  # A test host that crashed leaves a trx of the tests it finished, all passed: the run
  # itself failed, and counts as one failure.
  if [[ $rc -ne 0 && $failed -eq 0 ]]; then
    echo "dotnet test exited $rc (the run was aborted: a test host crash?): counting one failure"
    failed=1
  fi
  count "$suite" "$passed" "$failed"
}

run_sample_smoke() {
  log "smoke: every sample through the launcher (--workers=2, 60 s bound each)"
  local passed=0 failed=0 dir name rc
  for dir in "$ARTIFACTS"/samples/*/; do
    name="$(basename "$dir")"
    # A web server runs until stopped: the launcher suite's WebCacheTests serve and stop it.
    [[ "$name" == WebCache ]] && continue
    rc=0
    timeout --kill-after=5 60 "$ARTIFACTS/bin/dotnet-workers" --workers=2 "$dir$name.dll" >"$RESULTS/smoke-$name.log" 2>&1 || rc=$?
    if [[ $rc -eq 0 ]]; then
      passed=$((passed + 1)); echo "  ok    $name"
    else
      failed=$((failed + 1)); echo "  FAIL  $name (exit $rc)"; tail -20 "$RESULTS/smoke-$name.log"
    fi
  done
  count "smoke (samples)" "$passed" "$failed"
}

# The tree follows .clang-format and .editorconfig: one check each, counted like a test.
run_format_checks() {
  log "format: clang-format (native) and dotnet format (managed) change nothing"
  local passed=0 failed=0 out
  mapfile -t native < <(git ls-files 'host/*.cpp' 'host/*.h' 'runtime/*.cpp' 'runtime/*.h' 'tests/native/*.cpp' 'tests/native/*.h')
  if out="$(clang-format --dry-run --Werror "${native[@]}" 2>&1)"; then
    passed=$((passed + 1)); echo "  ok    clang-format (${#native[@]} files)"
  else
    failed=$((failed + 1)); echo "  FAIL  clang-format: run clang-format -i on these"; printf '%s\n' "$out" | grep -E '^[^ ].*: (warning|error):' | head -20
  fi
  if out="$(dotnet format dotnet-workers.slnx --verify-no-changes --no-restore -v:q 2>&1)"; then
    passed=$((passed + 1)); echo "  ok    dotnet format"
  else
    failed=$((failed + 1)); echo "  FAIL  dotnet format: run dotnet format dotnet-workers.slnx"; printf '%s\n' "$out" | head -20
  fi
  count "format" "$passed" "$failed"
}

# Apps published with PublishAot into artifacts/aot/<name>/<name> (an executable; the native
# core beside it): by default the ones the launcher tests run as NativeAOT clusters.
publish_native_aot_apps() {
  local rid
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64) rid=linux-arm64 ;;
    *) echo "no NativeAOT runtime for $(uname -m)"; return 1 ;;
  esac
  local apps=("$@")
  ((${#apps[@]})) || apps=(samples/Fib/Fib.csproj samples/JobQueue/JobQueue.csproj
    tests/apps/ClusterProbe/ClusterProbe.csproj tests/apps/IpcProbe/IpcProbe.csproj)
  log "aot: publish ${apps[*]} with PublishAot ($rid)"
  local app
  for app in "${apps[@]}"; do
    local name
    name="$(basename "$app" .csproj)"
    # MemoryPack.Core reports trim and AOT warnings of its own (its reflection fallback, for
    # types without generated formatters): warnings, not errors. Ours are errors at build time.
    if ! dotnet publish "$app" -c Release -r "$rid" -p:PublishAot=true "-p:WarningsNotAsErrors=IL2104%3BIL3053" \
      -nodeReuse:false -v:quiet -clp:NoSummary -o "$ARTIFACTS/aot/$name"; then
      count "aot publish ($name)" 0 1  # its launcher tests fail too
    fi
  done
}

# ---- packages -----------------------------------------------------------------------

# artifacts/packages/: DotnetWorkers (with its native core and its generator),
# DotnetWorkers.Hosting, DotnetWorkers.Serilog, DotnetWorkers.Templates, and the tool: the
# package dotnet-workers that points `dotnet tool install` to dotnet-workers.linux-x64 (the
# NativeAOT shim, the launcher, the CLI and the dashboard). One version: the VERSION file's.
run_pack() {
  log "pack: every package, version $(cat VERSION), into artifacts/packages/"
  rm -rf "$ARTIFACTS/packages"
  local project
  # The libraries as the solution's build left them; the templates (not in the solution:
  # nothing to compile) and the tool (its package per runtime publishes the NativeAOT shim) build here.
  for project in managed/src/DotnetWorkers/DotnetWorkers.csproj managed/src/DotnetWorkers.Hosting/DotnetWorkers.Hosting.csproj \
    managed/src/DotnetWorkers.Serilog/DotnetWorkers.Serilog.csproj; do
    dotnet pack "$project" -c Release --no-build -nodeReuse:false -v:quiet -clp:NoSummary
  done
  dotnet pack managed/src/DotnetWorkers.Templates/DotnetWorkers.Templates.csproj -c Release -nodeReuse:false -v:quiet -clp:NoSummary
  dotnet pack managed/src/DotnetWorkers.Tool/DotnetWorkers.Tool.csproj -c Release -nodeReuse:false -v:quiet -clp:NoSummary
  local rid
  for rid in linux-x64 linux-arm64; do
    dotnet pack managed/src/DotnetWorkers.Tool/DotnetWorkers.Tool.csproj -c Release -r "$rid" -nodeReuse:false -v:quiet -clp:NoSummary
  done
  local version
  version="$(cat VERSION)"

  publish_readytorun_library
  edit_package "$ARTIFACTS/packages/DotnetWorkers.$version.nupkg" \
    "lib/net10.0/DotnetWorkers.dll=$ARTIFACTS/obj/readytorun/DotnetWorkers.dll"
  # A package keeps the modes its zip entries carry: NuGet writes 0644 for every file. The
  # executables get 0755 back (the tool's shim also restores the launcher's at first run, for
  # clients that drop modes when they extract).
  for rid in linux-x64 linux-arm64; do
    edit_package "$ARTIFACTS/packages/dotnet-workers.$rid.$version.nupkg" \
      "+x:tools/any/$rid/dotnet-workers" "+x:tools/any/$rid/launcher/dotnet-workers"
  done
  ls -l "$ARTIFACTS/packages"
}

# The library ReadyToRun (precompiled for linux-x64, its IL kept for everything else), into
# artifacts/obj/readytorun/: a process that binds then JITs little of it. Crossgen keeps the
# assembly's identity and its pdb's, so the package's symbols still match. dotnet pack has no
# ReadyToRun step; publish has.
publish_readytorun_library() {
  dotnet publish managed/src/DotnetWorkers/DotnetWorkers.csproj -c Release -r linux-x64 --self-contained false \
    -p:PublishReadyToRun=true -o "$ARTIFACTS/obj/readytorun" -nodeReuse:false -v:quiet -clp:NoSummary
}

# Rewrites a .nupkg (a zip): ENTRY=FILE replaces an entry's bytes, +x:ENTRY makes it 0755.
edit_package() { # package edit...
  python3 - "$@" <<'PY'
import shutil, sys, zipfile
path, edits = sys.argv[1], sys.argv[2:]
executables = {e[3:] for e in edits if e.startswith("+x:")}
replacements = dict(e.split("=", 1) for e in edits if not e.startswith("+x:"))
with zipfile.ZipFile(path) as source, zipfile.ZipFile(path + ".new", "w", zipfile.ZIP_DEFLATED) as target:
    for entry in source.infolist():
        data = source.read(entry)
        if entry.filename in replacements:
            with open(replacements.pop(entry.filename), "rb") as f:
                data = f.read()
        if entry.filename in executables:
            executables.discard(entry.filename)
            entry.external_attr = (0o100755 << 16) | (entry.external_attr & 0xFFFF)
            entry.create_system = 3  # Unix: the mode in the high half is read
        target.writestr(entry, data)
missing = executables | set(replacements)
if missing:
    sys.exit(f"{path} has no {', '.join(sorted(missing))}")
shutil.move(path + ".new", path)
PY
}

# shellcheck source=tests/packaging/packaging_tests.sh
source "$ROOT/tests/packaging/packaging_tests.sh"

run_tests() {
  mkdir -p "$RESULTS"
  run_format_checks
  run_ctest "native" build/native
  if [[ "${DW_SKIP_SANITIZERS:-0}" != 1 ]]; then
    build_native_sanitized
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
      run_ctest "native (asan+ubsan)" build/asan
  fi
  # Built here, not before the suites: a machine without the cross toolchain gets a failed
  # suite in the summary (and the other suites' figures), not a build that stops short.
  if build_native_arm64; then
    run_ctest "native (arm64 in qemu)" build/arm64
  else
    count "native (arm64 in qemu): not built" 0 1
  fi
  run_dotnet_tests "managed" tests/managed/DotnetWorkers.Tests/DotnetWorkers.Tests.csproj
  run_dotnet_tests "generator" tests/managed/DotnetWorkers.Generators.Tests/DotnetWorkers.Generators.Tests.csproj
  publish_native_aot_apps
  run_dotnet_tests "launcher" tests/launcher/DotnetWorkers.LauncherTests/DotnetWorkers.LauncherTests.csproj
  run_sample_smoke
  run_pack
  run_packaging_tests

  log "summary"
  printf '%s\n' "${SUMMARY[@]}"
  echo "$PASSED passed, $FAILED failed"
  [[ $FAILED -eq 0 ]]
}

run_demo() {
  log "demo: artifacts/bin/dotnet-workers --workers=4 artifacts/samples/Fib/Fib.dll"
  "$ARTIFACTS/bin/dotnet-workers" --workers=4 "$ARTIFACTS/samples/Fib/Fib.dll"
  log "demo: artifacts/bin/dotnet-workers --workers=3 artifacts/samples/JobQueue/JobQueue.dll"
  "$ARTIFACTS/bin/dotnet-workers" --workers=3 "$ARTIFACTS/samples/JobQueue/JobQueue.dll"
}

run_bench() {
  log "bench: ${1:-all} (results in artifacts/bench/)"
  mkdir -p "$ARTIFACTS/bench"
  if [[ "${1:-all}" == all || "${1:-all}" == boot ]]; then
    publish_native_aot_apps bench/apps/BootProbe/BootProbe.csproj  # the boot suite's NativeAOT cluster
    publish_readytorun_library                                     # and its probe with the package's library
  fi
  if [[ "${1:-all}" == all || "${1:-all}" == supervise ]]; then
    publish_native_aot_apps bench/apps/SuperviseProbe/SuperviseProbe.csproj  # revives of a NativeAOT worker
  fi
  dotnet "$ARTIFACTS/bench/runner/DotnetWorkers.Bench.dll" "${1:-all}" --out "$ARTIFACTS/bench"
}

case "${1:-build}" in
  build) build_all ;;
  demo) build_all; run_demo ;;
  test) build_all; run_tests ;;
  bench) build_all; run_bench "${2:-all}" ;;
  pack) build_all; build_native_arm64; run_pack ;;
  clean) rm -rf build artifacts; find . -name obj -type d -prune -exec rm -rf {} + ;;
  -h|--help|help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) echo "unknown command '$1' (see ./build.sh --help)" >&2; exit 2 ;;
esac
