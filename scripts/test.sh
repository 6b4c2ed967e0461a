#!/usr/bin/env bash
# The whole test suite, from a fresh machine with the .NET SDK: installs the test dependencies, builds,
# runs every test assembly and ends with one line `N passed, N failed` (summed over all assemblies).
# Exits non-zero when any test fails or nothing ran.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

bash scripts/install-test-deps.sh

results="$here/TestResults"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Warnings fail the build through Directory.Build.props (TreatWarningsAsErrors), which also lists the NuGet
# mirror warnings that must not (a command-line -warnaserror would override that list).
dotnet build MlPipeline.sln -c Release -nologo -v quiet

status=0
# --blame-hang kills a test run that hangs, so CI reports a failure instead of timing out silently.
dotnet test MlPipeline.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 5m "$@" || status=$?

# Sum the counters of every TRX file (one per test assembly).
read -r passed failed < <(
  python3 - "$results" <<'PY' 2>/dev/null || echo "0 0"
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
print(passed, failed)
PY
)
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
