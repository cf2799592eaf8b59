# The packaging suite, sourced by build.sh (it uses ARTIFACTS, RESULTS, log and count).
#
# What a .NET developer who has never seen this repository does, in a folder of its own with
# its own NuGet config, package cache and CLI home (nothing of the repository leaks in):
# install the tool and the templates from artifacts/packages/, create apps from the templates
# and from `dotnet new console` + `dotnet add package`, build them, and run them through the
# installed tool. Packages this repository does not build come from this machine's NuGet
# cache (a folder feed) or nuget.org.

run_packaging_tests() {
  log "packaging: install the tool and the templates, create, build and run apps (log: artifacts/test-results/packaging.log)"
  local version work
  version="$(cat VERSION)"
  work="$(mktemp -d /tmp/dw-packaging.XXXXXX)"
  PACKAGING_LOG="$RESULTS/packaging.log"
  PACKAGING_PASSED=0
  PACKAGING_FAILED=0
  : >"$PACKAGING_LOG"
  write_packaging_nuget_config "$work"
  (
    cd "$work"
    export NUGET_PACKAGES="$work/packages" DOTNET_CLI_HOME="$work/home" PATH="$work/tools:$PATH"
    packaging_checks "$work" "$version"
  )
  # The checks ran in a subshell: their counts come back through a file.
  read -r PACKAGING_PASSED PACKAGING_FAILED <"$work/counts" || { PACKAGING_PASSED=0; PACKAGING_FAILED=1; }
  rm -rf "$work"
  count "packaging" "$PACKAGING_PASSED" "$PACKAGING_FAILED"
}

write_packaging_nuget_config() { # work
  cat >"$1/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="dotnet-workers" value="$ARTIFACTS/packages" />
    <add key="this machine's cache" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
EOF
}

check() { # description command...: one check, counted; its output goes to the log
  local what="$1"
  shift
  echo "---- $what: $*" >>"$PACKAGING_LOG"
  if "$@" >>"$PACKAGING_LOG" 2>&1; then
    PACKAGING_PASSED=$((PACKAGING_PASSED + 1))
    echo "  ok    $what"
  else
    PACKAGING_FAILED=$((PACKAGING_FAILED + 1))
    echo "  FAIL  $what"
    tail -15 "$PACKAGING_LOG" | sed 's/^/        /'
  fi
}

contains() { # text expected
  printf '%s\n' "$1"
  grep -qF -- "$2" <<<"$1"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

packaging_checks() { # work version
  local work="$1" version="$2" out
  local tool="$work/tools/dotnet-workers"
  local installed="$work/tools/.store/dotnet-workers/$version/dotnet-workers.linux-x64/$version/tools/any/linux-x64"

  check "the tool installs from the local feed" \
    dotnet tool install dotnet-workers --tool-path "$work/tools" --configfile "$work/nuget.config"
  check "the executables keep their execute bits, packed and installed" executables_are_executable "$version" "$installed"
  check "each package carries the native files of its RIDs: linux-x64 and linux-arm64" natives_match_their_rids "$version"
  out="$(arm64_launcher_version "$version" "$work/arm64" 2>&1)" || true
  check "the linux-arm64 tool's launcher runs (under qemu-user) and carries the version" contains "$out" "dotnet-workers $version "
  out="$("$tool" --version 2>&1)" || true
  check "the tool, the launcher and the packages carry one version" contains "$out" "dotnet-workers $version "
  check "the templates install" \
    dotnet new install DotnetWorkers.Templates --add-source "$ARTIFACTS/packages" --debug:custom-hive "$work/hive"

  check "dotnet new dotnet-workers-console builds" new_and_build dotnet-workers-console Squares "$work/hive"
  out="$(timeout 120 "$tool" Squares/bin/Debug/net10.0/Squares.dll --workers=3 2>&1)" || true
  check "the console app runs as a cluster through the tool" contains "$out" "squares: 1, 4, 9, 16, 25, 36, 49, 64"
  out="$(cd Squares && timeout 180 dotnet run 2>&1)" || true
  check "dotnet run starts it through the tool (DotnetWorkersWorkers)" contains "$out" "calls served by the workers: 8"
  out="$(timeout 60 dotnet Squares/bin/Debug/net10.0/Squares.dll 2>&1)" || true
  check "alone, it finds its native core in the package's layout" contains "$out" "squares: 1, 4, 9, 16, 25, 36, 49, 64"

  check "dotnet new dotnet-workers-web builds" new_and_build dotnet-workers-web Web "$work/hive"
  web_checks "$tool" "$work"

  check "dotnet new console + dotnet add package DotnetWorkers builds" counter_app "$version"
  out="$(timeout 120 "$tool" Counter/bin/Debug/net10.0/Counter.dll --workers=3 2>&1)" || true
  check "it runs as a cluster of 4 through the tool" every_process_counted "$out"

  echo "$PACKAGING_PASSED $PACKAGING_FAILED" >"$work/counts"
}

executables_are_executable() { # version installed-dir
  local rid entry
  for rid in linux-x64 linux-arm64; do
    for entry in "tools/any/$rid/dotnet-workers" "tools/any/$rid/launcher/dotnet-workers"; do
      zipinfo "$ARTIFACTS/packages/dotnet-workers.$rid.$1.nupkg" "$entry" | tee /dev/stderr | grep -q '^-rwxr-xr-x' || return 1
    done
  done
  test -x "$2/dotnet-workers" && test -x "$2/launcher/dotnet-workers"
}

# The ELF machine of every native file in the packages is its RID's (x86-64 62, aarch64 183).
natives_match_their_rids() { # version
  python3 - "$ARTIFACTS/packages" "$1" <<'PY2'
import struct, sys, zipfile
packages, version = sys.argv[1], sys.argv[2]
machines = {"linux-x64": 62, "linux-arm64": 183}
expected = {f"DotnetWorkers.{version}.nupkg": [f"runtimes/{rid}/native/libdotnetworkers.so" for rid in machines]}
for rid in machines:
    expected[f"dotnet-workers.{rid}.{version}.nupkg"] = [f"tools/any/{rid}/{name}" for name in (
        "dotnet-workers", "launcher/dotnet-workers", "launcher/libdotnetworkers.so",
        "launcher/cli/libdotnetworkers.so", "launcher/dashboard/libdotnetworkers.so")]
ok = True
for package, entries in expected.items():
    with zipfile.ZipFile(f"{packages}/{package}") as z:
        for entry in entries:
            rid = next(r for r in machines if f"/{r}/" in entry)
            data = z.read(entry)
            machine = struct.unpack_from("<H", data, 18)[0] if data[:4] == b"\x7fELF" else None
            print(package, entry, "machine", machine)
            ok &= machine == machines[rid]
        apphosts = [n for n in z.namelist() if n.endswith(("/cli/DotnetWorkers.Cli", "/dashboard/DotnetWorkers.Dashboard"))]
        print(package, "apphosts of another architecture:", apphosts)
        ok &= not apphosts
sys.exit(0 if ok else 1)
PY2
}

# qemu-user cannot follow the shim's exec (no binfmt here): the launcher runs directly.
arm64_launcher_version() { # version folder
  mkdir -p "$2" && unzip -q -o "$ARTIFACTS/packages/dotnet-workers.linux-arm64.$1.nupkg" -d "$2" &&
    chmod +x "$2/tools/any/linux-arm64/launcher/dotnet-workers" &&
    qemu-aarch64 -L /usr/aarch64-linux-gnu "$2/tools/any/linux-arm64/launcher/dotnet-workers" --version
}

new_and_build() { # template name hive
  dotnet new "$1" -o "$2" --debug:custom-hive "$3" && dotnet build "$2" -nodeReuse:false -v:q
}

# The web template's cluster: two web workers on one port, a jobs worker fed through the queue.
web_checks() { # tool work
  local tool="$1" work="$2" port web i first="" second="" job="" rc=0
  port="$(free_port)"
  "$tool" Web/bin/Debug/net10.0/Web.dll --workers=2 --role jobs=1 --listen "127.0.0.1:$port=worker" >"$work/web.log" 2>&1 &
  web=$!
  for i in $(seq 1 150); do
    curl -sf --max-time 2 "http://127.0.0.1:$port/" >/dev/null 2>&1 && break
    sleep 0.2
  done
  first="$(curl -sf --max-time 30 "http://127.0.0.1:$port/report" 2>&1)" || true
  second="$(curl -sf --max-time 30 "http://127.0.0.1:$port/report" 2>&1)" || true
  curl -sf --max-time 10 -X POST "http://127.0.0.1:$port/jobs" >/dev/null 2>&1 || true
  for i in $(seq 1 50); do
    job="$(curl -sf --max-time 5 "http://127.0.0.1:$port/jobs/1" 2>/dev/null)" && break
    sleep 0.2
  done
  check "the web app serves one port and computes /report once per cluster" same_report "$first" "$second"
  check "its jobs role (worker 3) takes a job from the queue" contains "$job" '"doneBy":3'
  kill -TERM "$web" 2>/dev/null || true
  timeout 30 tail --pid="$web" -f /dev/null || kill -KILL "$web" 2>/dev/null || true
  wait "$web" || rc=$?
  cat "$work/web.log" >>"$PACKAGING_LOG"
  check "the web cluster stops cleanly on SIGTERM" test "$rc" -eq 0
}

same_report() { # first second
  printf '%s\n%s\n' "$1" "$2"
  [[ -n "$1" && "$1" == "$2" ]] && grep -q '"computedBy"' <<<"$1"
}

counter_app() { # version
  dotnet new console -o Counter || return 1
  (cd Counter && dotnet add package DotnetWorkers --version "$1") || return 1
  cat >Counter/Program.cs <<'CS'
using DotnetWorkers;

long n = Cluster.Store.Increment("processes");
Console.WriteLine($"process {Cluster.WorkerId} of {Cluster.WorkerCount + 1}: {n}");
if (Cluster.IsPrimary)
{
    using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    while (Cluster.Store.Get<long>("processes") < Cluster.WorkerCount + 1)
    {
        await Task.Delay(10, bound.Token);
    }

    Console.WriteLine("every process counted");
}
CS
  dotnet build Counter -nodeReuse:false -v:q
}

every_process_counted() { # output
  printf '%s\n' "$1"
  grep -q 'every process counted' <<<"$1" && [[ "$(grep -c '^process [0-3] of 4' <<<"$1")" -eq 4 ]]
}
