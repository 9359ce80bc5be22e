#!/usr/bin/env bash
# The Spark job for real (issue 16), in local mode on the shared bakery data: a pinned PySpark in
# a venv under ~/.cache (and a Debian JRE when `java` is missing), bad input stopping the job with
# its file and column, the job's output assembled by `cartsense pack --from-spark`, the pack loaded
# by the npm package (pkg/, built earlier by scripts/test.sh), and the neighbour lists checked
# against `cartsense build`'s (`cartsense neighbours`) for the same measure and N.
# About 3 minutes on 2 cores once PySpark is installed (4.5 with the install, measured). Online Retail's longer comparison: spark/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[spark-test] $*" >&2; }

PYSPARK_VERSION=3.5.3
NUMPY_VERSION=2.4.6  # MLlib's Python side needs it
VENV="${CARTSENSE_SPARK_VENV:-$HOME/.cache/cartsense/spark-venv-$PYSPARK_VERSION}"
BAKERY="${BAKERY:-../shared/data/bakery-breadbasket/BreadBasket_DMS.csv}"
WORK="target/spark-test"

if ! command -v java >/dev/null; then
  log "installing openjdk-17-jre-headless (Spark runs on the JVM)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >&2
fi
if ! "$VENV/bin/python" -c "import numpy, pyspark, sys; sys.exit(pyspark.__version__ != '$PYSPARK_VERSION')" 2>/dev/null; then
  log "installing pyspark $PYSPARK_VERSION into $VENV (about 320 MB, once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "pyspark==$PYSPARK_VERSION" "numpy==$NUMPY_VERSION"
fi
export PATH="$VENV/bin:$PATH" PYSPARK_PYTHON="$VENV/bin/python"
# Two cores: few shuffle partitions, no UI, warnings only.
SUBMIT=(spark-submit --master "local[2]" --driver-memory 2g --conf spark.ui.enabled=false
  --conf spark.sql.shuffle.partitions=4 --conf spark.log.level=WARN)
quiet() { grep -v -e ' INFO ' -e ' WARN ' -e '^\s*$' >&2 || true; }

log "the job's cleaning lists are src/builder/data/clean.rs's"
python3 - <<'PY'
import re, sys
sys.path.insert(0, "spark")
rust = open("src/builder/data/clean.rs").read()
def rs(name):
    body = re.search(name + r": &\[&str\] = &\[(.*?)\];", rust, re.S).group(1)
    return re.findall(r'"([^"]*)"', body)
import importlib.util
spec = importlib.util.spec_from_file_location("job", "spark/cartsense_job.py")
job = importlib.util.module_from_spec(spec); spec.loader.exec_module(job)
assert job.NON_PRODUCT_CODES == rs("NON_PRODUCT_CODES"), "NON_PRODUCT_CODES drifted"
assert job.NON_PRODUCT_PREFIXES == rs("NON_PRODUCT_PREFIXES"), "NON_PRODUCT_PREFIXES drifted"
assert job.CANCEL_PREFIX == re.search(r'CANCEL_PREFIX: &str = "([^"]*)"', rust).group(1)
assert job.MAX_GROUP == int(re.search(r"MAX_GROUP: usize = (\d+)", open("src/builder/train/cooc.rs").read()).group(1))
print("[spark-test] cleaning lists and the pair cap match", file=sys.stderr)
PY

rm -rf "$WORK"
mkdir -p "$WORK"
log "bad input stops the job with the file and column"
"${SUBMIT[@]}" spark/test_bad_input.py "$WORK/bad" 2> >(quiet)

log "the job on the bakery data (local mode)"
FLAGS=(--time-col Date+Time --drop-codes NONE --keep-id-case)
t0=$(date +%s)
"${SUBMIT[@]}" spark/cartsense_job.py --orders "$BAKERY" --out "$WORK/out" "${FLAGS[@]}" \
  --measure cosine --neighbours 20 --dims 16 --iterations 10 2> >(quiet)
log "job wall time $(( $(date +%s) - t0 )) s"

cargo build --quiet --features cli
CS=target/debug/cartsense
$CS pack --from-spark "$WORK/out" --out "$WORK/bakery-spark.cspk"
$CS inspect "$WORK/bakery-spark.cspk" > "$WORK/inspect.txt"
grep -q '"builder": "spark"' "$WORK/inspect.txt" || { log "inspect does not show the Spark source"; exit 1; }
grep -q '"sparkVersion": "'"$PYSPARK_VERSION"'"' "$WORK/inspect.txt" || { log "inspect lacks the Spark version"; exit 1; }

log "the pack in the npm package"
node spark/check_pack.mjs "$WORK/bakery-spark.cspk" Bread Coffee Pastry

log "neighbour lists: Spark = cartsense build (cosine, top 20)"
$CS neighbours --orders "$BAKERY" "${FLAGS[@]}" --measure cosine --top 20 --out "$WORK/build-neighbours.csv"
python3 spark/compare_neighbours.py "$WORK/build-neighbours.csv" "$WORK/out"
log "passed"
