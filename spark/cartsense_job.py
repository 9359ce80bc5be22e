"""cartsense pack inputs on Apache Spark (issue 16).

    spark-submit spark/cartsense_job.py --orders PATH [PATH ...] --out DIR [column flags]

Reads orders (CSV or Parquet), cleans them with `cartsense build`'s rules, computes popularity,
prices, co-purchase neighbours, ALS item embeddings, the basket sample and validation metrics
distributed, and writes them under DIR for `cartsense pack --from-spark DIR`. See
spark/README.md for what each rule mirrors in the Rust builder.
"""

import argparse
import json
import os
import sys
import time

# --- The cleaning rules: a copy of src/builder/data/clean.rs (NON_PRODUCT_CODES,
# NON_PRODUCT_PREFIXES, CANCEL_PREFIX). Drift is caught by
# scripts/spark-test.sh, which compares these lists with the Rust source.
NON_PRODUCT_CODES = ["POST", "DOT", "M", "C2", "D", "S", "B", "CRUK", "PADS", "AMAZONFEE",
                     "BANK CHARGES"]
NON_PRODUCT_PREFIXES = ["GIFT_", "DCGS"]
CANCEL_PREFIX = "C"

# src/builder/train/cooc.rs MAX_GROUP: a group of more distinct items contributes the pairs of
# the first MAX_GROUP of them (by id order) only.
MAX_GROUP = 1000
# src/builder/pipeline.rs MAX_VALIDATION_CASES.
MAX_VALIDATION_CASES = 2000
# src/builder/model.rs BASKET_BYTES and ALS_LAMBDA.
BASKET_BYTES = 1 << 20
ALS_LAMBDA = 0.01
MEASURES = ["count", "cosine", "lift", "size-cosine"]

# Header names per role, most specific first: the start of src/builder/data/csv_in/columns.rs
# CANDIDATES (names compared normalised, as `norm` there).
CANDIDATES = {
    "order": ["invoiceno", "invoice", "invoiceid", "invoicenumber", "orderid", "ordernumber",
              "orderno", "transactionid", "transactionno", "transaction", "basketid", "basket",
              "receiptid", "receipt", "ticketid", "sessionid", "session", "order"],
    "item": ["stockcode", "itemid", "productid", "sku", "skuid", "articleid", "productcode",
             "itemcode", "item", "product", "itemname", "productname"],
    "time": ["invoicedate", "timestamp", "datetime", "eventtime", "createdat", "orderdate",
             "transactiondate", "time", "date"],
    "quantity": ["quantity", "qty", "units", "count"],
    "price": ["unitprice", "price", "itemprice", "saleprice"],
    "title": ["description", "title", "productname", "itemname", "name"],
    "customer": ["customerid", "customer", "userid", "clientid", "memberid"],
}


class JobError(Exception):
    """Bad input: the message names the file and the column."""


def norm(s):
    return "".join(c for c in s if not (c.isspace() or c in "_-.\ufeff")).lower()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--orders", nargs="+", required=True,
                   help="order files or folders (CSV, or Parquet by extension / --format)")
    p.add_argument("--out", required=True, help="output folder (local path or object store URI)")
    p.add_argument("--format", choices=["auto", "csv", "parquet"], default="auto")
    for role in ["order", "item", "time", "quantity", "price", "title", "customer"]:
        p.add_argument(f"--{role}-col", default=None,
                       help=f"{role} column (default: detected as `cartsense build` does)"
                       + ("; several joined by + (Date+Time)" if role == "time" else ""))
    p.add_argument("--date-order", choices=["auto", "day-first", "month-first"], default="auto")
    p.add_argument("--cancel-prefix", default=CANCEL_PREFIX)
    p.add_argument("--drop-codes", default=",".join(NON_PRODUCT_CODES))
    p.add_argument("--drop-prefixes", default=",".join(NON_PRODUCT_PREFIXES))
    p.add_argument("--keep-id-case", action="store_true")
    p.add_argument("--measure", choices=MEASURES + ["auto"], default="auto",
                   help="co-purchase measure; auto = best validation HR@10 (as the builder's tuner)")
    p.add_argument("--neighbours", type=int, default=100)
    p.add_argument("--dims", type=int, default=64)
    p.add_argument("--iterations", type=int, default=15)
    p.add_argument("--alpha", type=float, default=10.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--holdout", type=float, default=0.15)
    p.add_argument("--basket-bytes", type=int, default=BASKET_BYTES)
    p.add_argument("--before", default=None,
                   help="only orders dated before this (YYYY-MM-DD): PROTOCOL §1 training split")
    p.add_argument("--no-als", action="store_true", help="skip the embeddings (tests)")
    p.add_argument("--partitions", type=int, default=0,
                   help="shuffle partitions (0 = Spark's setting)")
    a = p.parse_args(argv)
    if not 0 <= a.holdout < 0.9:
        p.error("--holdout must be in [0, 0.9)")
    if a.neighbours < 1 or a.dims < 1:
        p.error("--neighbours and --dims must be >= 1")
    return a


def list_inputs(spark, paths, fmt):
    """Files per input path (a folder = its files in name order), with their format."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    out = []
    for p in paths:
        path = jvm.org.apache.hadoop.fs.Path(p)
        fs = path.getFileSystem(conf)
        if not fs.exists(path):
            raise JobError(f"{p}: no such file or folder")
        if fs.getFileStatus(path).isDirectory():
            kids = sorted(str(s.getPath().toString()) for s in fs.listStatus(path)
                          if s.isFile() and not s.getPath().getName().startswith(("_", ".")))
            if not kids:
                raise JobError(f"{p}: the folder has no files")
            out += kids
        else:
            out.append(p)
    def kind(f):
        if fmt != "auto":
            return fmt
        return "parquet" if f.lower().endswith((".parquet", ".pq")) else "csv"
    return [(f, kind(f)) for f in out]


def csv_headers(spark, files):
    """The first line of every CSV file, in one pass over the inputs (not one job per file):
    files sharing a header are then read by one `spark.read.csv`. A file with no line is
    missing from the result (empty file)."""
    from pyspark.sql import functions as F
    t = (spark.read.text(files).select(F.input_file_name().alias("f"),
                                        F.monotonically_increasing_id().alias("k"), "value"))
    first = t.groupBy("f").agg(F.min(F.struct("k", "value")).alias("m")).collect()
    return {r["f"]: r["m"]["value"] for r in first}


def read_group(spark, files, kind):
    from pyspark.sql import functions as F
    if kind == "parquet":
        df = spark.read.parquet(*files)
        return df.select([F.col(f"`{c}`").cast("string").alias(c) for c in df.columns])
    # Everything as text: numbers are checked by our own rules, so a bad value is reported
    # with its file and column instead of becoming a silent null.
    return (spark.read.option("header", True).option("inferSchema", False)
            .option("mode", "PERMISSIVE").csv(files))


def resolve(cols, a, f):
    """Role -> column name(s) of one file's header; a named column that is missing is an error."""
    by_norm = {}
    for c in cols:
        by_norm.setdefault(norm(c), c)
    roles, taken = {}, set()
    for role in ["order", "item", "time", "quantity", "price", "customer", "title"]:
        flag = getattr(a, f"{role}_col")
        if flag:
            names = flag.split("+") if role == "time" else [flag]
            found = [by_norm.get(norm(n)) for n in names]
            missing = [n for n, c in zip(names, found) if c is None]
            if missing:
                raise JobError(f"{f}: no column {missing[0]!r} (--{role}-col); the header has "
                               + ", ".join(cols))
            roles[role] = found
            taken.update(found)
            continue
        for cand in CANDIDATES[role]:
            c = by_norm.get(cand)
            if c is not None and (c not in taken or (role == "title" and c == roles["item"][0])):
                roles[role] = [c]
                taken.add(c)
                break
    for role in ["order", "item"]:
        if role not in roles:
            raise JobError(f"{f}: no {role} column found (header: {', '.join(cols)}); "
                           f"name it with --{role}-col")
    return roles


def load(spark, a):
    """Rows of every input with its file, line, and the role columns (as text)."""
    from pyspark.sql import functions as F
    files = list_inputs(spark, a.orders, a.format)
    groups = {}  # (kind, header) -> files
    csv_files = [f for f, k in files if k == "csv"]
    headers = csv_headers(spark, csv_files) if csv_files else {}
    qualified = {os.path.basename(k): v for k, v in headers.items()}
    for f, kind in files:
        if kind == "csv":
            h = headers.get(f, qualified.get(os.path.basename(f)))
            if h is None or not h.strip():
                raise JobError(f"{f}: empty file (no header row)")
            groups.setdefault(("csv", h), []).append(f)
        else:
            groups.setdefault(("parquet", f), []).append(f)
    frames, mapping = [], []
    for (kind, _), fs in groups.items():
        df = read_group(spark, fs, kind)
        r = resolve(df.columns, a, fs[0] if len(fs) == 1 else f"{fs[0]} (and {len(fs) - 1} more)")
        col = lambda role: F.col(f"`{r[role][0]}`") if role in r else F.lit(None).cast("string")
        m = ", ".join(f"{k} = {'+'.join(v)}" for k, v in r.items())
        if m not in mapping:
            mapping.append(m)
        if "time" in r:
            t = F.concat_ws(" ", *[F.trim(F.col(f"`{c}`")) for c in r["time"]])
        else:
            t = F.lit(None).cast("string")
        # Files in name order, rows in file order: (file_ix, line) orders rows as the builder
        # reads them (monotonically_increasing_id grows with the partition, and a file's splits
        # are consecutive partitions).
        name = F.input_file_name()
        df = df.select(
            name.alias("file"), F.monotonically_increasing_id().alias("line"),
            F.trim(col("order")).alias("order"), F.trim(col("item")).alias("item"),
            t.alias("time_text"), F.trim(col("quantity")).alias("quantity_text"),
            F.trim(col("price")).alias("price_text"), F.trim(col("title")).alias("title"),
            F.trim(col("customer")).alias("customer"))
        frames.append(df)
    df = frames[0]
    for d in frames[1:]:
        df = df.unionByName(d)
    # The file's position in name order (input_file_name is a full URI; names sort the same).
    names = sorted(f for f, _ in files)
    order = spark.createDataFrame([(os.path.basename(f), i) for i, f in enumerate(names)],
                                  "base string, file_ix int")
    df = (df.withColumn("base", F.element_at(F.split("file", "/"), -1))
          .join(F.broadcast(order), "base", "left").drop("base"))
    return df, " | ".join(mapping)


def number(c):
    """The number in a text cell, as csv_in's parse_number: currency signs and spaces ignored."""
    from pyspark.sql import functions as F
    return F.regexp_replace(c, "[\\s$£€¥₹]", "").cast("double")


def check_numbers(df):
    """Non-numeric quantity or price: stop with the file, column and an example."""
    from pyspark.sql import functions as F
    for c in ["quantity_text", "price_text"]:
        bad = (df.where(F.col(c).isNotNull() & (F.col(c) != "") & number(F.col(c)).isNull())
               .select("file", c).limit(1).collect())
        if bad:
            role = c.split("_")[0]
            raise JobError(f"{bad[0]['file']}: non-numeric {role} {bad[0][c]!r} in the {role} "
                           f"column (--{role}-col)")


def parse_times(df, date_order):
    """ts (seconds) from the time text: ISO first, then a/b/YYYY by the chosen or voted order."""
    from pyspark.sql import functions as F
    iso = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"]
    day = ["dd-MM-yyyy HH:mm:ss", "dd/MM/yyyy HH:mm:ss", "dd/MM/yyyy HH:mm", "dd-MM-yyyy HH:mm",
           "dd/MM/yyyy", "dd-MM-yyyy", "d/M/yyyy H:mm"]
    month = [f.replace("dd", "XX").replace("MM", "dd").replace("XX", "MM")
             .replace("d/M", "X").replace("X", "M/d") for f in day]
    tt = F.col("time_text")
    if date_order == "auto":
        # A first field above 12 can only be a day (as csv_in/time.rs votes).
        first = F.regexp_extract(tt, "^(\\d{1,2})[-/](\\d{1,2})[-/]\\d{4}", 1).cast("int")
        second = F.regexp_extract(tt, "^(\\d{1,2})[-/](\\d{1,2})[-/]\\d{4}", 2).cast("int")
        v = df.agg(F.sum((first > 12).cast("int")).alias("d"),
                   F.sum((second > 12).cast("int")).alias("m")).collect()[0]
        date_order = "month-first" if (v["m"] or 0) > (v["d"] or 0) else "day-first"
    fmts = iso + (day if date_order == "day-first" else month)
    ts = F.coalesce(*[F.unix_timestamp(tt, f) for f in fmts])
    return df.withColumn("ts", ts), date_order


def clean(df, a):
    """The rules of src/builder/data/clean.rs CleanRules::keep, in its order, with counts."""
    from pyspark.sql import functions as F
    item = F.col("item") if a.keep_id_case else F.upper(F.col("item"))
    df = df.withColumn("item", item)
    qty = number(F.col("quantity_text"))
    price = number(F.col("price_text"))
    p = a.cancel_prefix
    empty = F.coalesce(F.col("order"), F.lit("")).eqNullSafe("") | F.coalesce(
        F.col("item"), F.lit("")).eqNullSafe("")
    cancel = (F.lit(bool(p)) & (F.length("order") > len(p))
              & F.col("order").rlike("^" + "".join("\\" + ch if not ch.isalnum() else ch
                                                   for ch in p) + "[0-9]+$"))
    # No quantity column = 1 each (csv_in).
    nonpos_q = F.coalesce(qty, F.lit(1.0)) <= 0
    nonpos_p = price.isNotNull() & (price <= 0)
    codes = [c.strip().upper() for c in a.drop_codes.split(",") if c.strip()]
    prefixes = [c.strip().upper() for c in a.drop_prefixes.split(",") if c.strip()]
    up = F.upper(F.col("item"))
    nonprod = up.isin(codes) if codes else F.lit(False)
    for pre in prefixes:
        nonprod = nonprod | up.startswith(pre)
    reason = (F.when(empty, "emptyIds").when(cancel, "cancellations")
              .when(nonpos_q, "nonPositiveQuantity").when(nonpos_p, "nonPositivePrice")
              .when(nonprod, "nonProductCodes").otherwise("kept"))
    df = df.withColumn("reason", reason).withColumn("price", price.cast("float").cast("double"))
    counts = {r["reason"]: r["count"] for r in df.groupBy("reason").count().collect()}
    report = {k: counts.get(k, 0) for k in ["cancellations", "nonPositiveQuantity",
                                             "nonPositivePrice", "nonProductCodes", "emptyIds",
                                             "kept"]}
    report["rows"] = sum(counts.values())
    return df.where(F.col("reason") == "kept").drop("reason"), report


def groups_of(rows):
    """One row per group: order, ts (its first clean row's time), the distinct items (first
    appearance order), and n (distinct items)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window
    first = (rows.withColumn("k", F.row_number().over(
        Window.partitionBy("order", "item").orderBy("file_ix", "line")))
        .where("k = 1"))
    g = first.groupBy("order").agg(
        F.array_sort(F.collect_list(F.struct("file_ix", "line", "item"))).alias("rows"),
        F.min(F.struct("file_ix", "line", "ts")).alias("first"),
        F.first("customer", ignorenulls=True).alias("customer"))
    return g.select("order", F.col("first.ts").alias("ts"), "customer",
                    F.col("rows.item").alias("items"), F.size("rows").alias("n"),
                    F.struct(F.col("first.file_ix"), F.col("first.line")).alias("pos"))


def recency(groups):
    """Groups with `rank` 0 = oldest (split.rs `recency`): by time, then the id (as a number
    when every id is an integer); without times, file order."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window
    all_int = groups.where(~F.col("order").rlike("^[0-9]+$")).limit(1).count() == 0
    timed = groups.agg(F.countDistinct("ts")).collect()[0][0] > 1
    key = [F.col("order").cast("decimal(38,0)")] if all_int else [F.col("order")]
    order = ([F.coalesce("ts", F.lit(0))] + key) if timed else [F.col("pos")]
    # One ordering of one row per group: the groups are 1-2 orders of magnitude fewer than rows.
    return groups.withColumn("rank", F.row_number().over(Window.orderBy(*order)) - 1)


def pair_counts(groups):
    """Item pairs (a < b) with C_ab and the size-weighted sum (cooc.rs `Cooc::with_cap`): each
    group explodes its (capped) distinct items twice; the shuffle sums per pair (map-side
    combined, as reduceByKey). Never a dense matrix: only pairs that occur."""
    from pyspark.sql import functions as F
    g = (groups.where("n > 1")
         .select("order", (1.0 / F.sqrt(F.col("n").cast("double"))).alias("w"),
                 F.slice(F.array_sort("items"), 1, MAX_GROUP).alias("s")))
    pairs = (g.select("w", F.posexplode("s").alias("pa", "a"), "s")
             .select("w", "a", F.explode(F.slice("s", F.col("pa") + 2, MAX_GROUP)).alias("b")))
    return pairs.groupBy("a", "b").agg(F.count("*").alias("c"), F.sum("w").alias("wc"))


def item_counts(groups):
    """c_i (groups containing i) and the size-weighted count."""
    from pyspark.sql import functions as F
    return (groups.select((1.0 / F.sqrt(F.col("n").cast("double"))).alias("w"),
                          F.explode("items").alias("item"))
            .groupBy("item").agg(F.count("*").alias("ci"), F.sum("w").alias("wi")))


def neighbours(pairs, counts, n_groups, measure, top):
    """Top-`top` neighbours per item under `measure` (cooc.rs `assoc` in double, rounded to f32
    as the builder stores it; ties: smaller id, as the builder's smaller index)."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window
    sym = pairs.select(F.col("a").alias("i"), F.col("b").alias("j"), "c", "wc").unionByName(
        pairs.select(F.col("b").alias("i"), F.col("a").alias("j"), "c", "wc"))
    ci = counts.select(F.col("item").alias("i"), F.col("ci").alias("ci"),
                       F.col("wi").alias("wi"))
    cj = counts.select(F.col("item").alias("j"), F.col("ci").alias("cj"),
                       F.col("wi").alias("wj"))
    x = sym.join(F.broadcast(ci) if False else ci, "i").join(cj, "j")
    c = F.col("c").cast("double")
    score = {
        "count": c,
        "cosine": c / F.sqrt(F.col("ci").cast("double") * F.col("cj").cast("double")),
        "lift": c * F.lit(float(n_groups)) / (F.col("ci").cast("double") * F.col("cj")),
        # wrows are stored as f32 in the builder before the division.
        "size-cosine": F.col("wc").cast("float").cast("double") / F.sqrt(F.col("wi") * F.col("wj")),
    }[measure]
    x = x.withColumn("score", score.cast("float"))
    w = Window.partitionBy("i").orderBy(F.col("score").desc(), F.col("j"))
    return (x.withColumn("rank", F.row_number().over(w)).where(F.col("rank") <= top)
            .select(F.col("i").alias("item"), F.col("j").alias("neighbour"), "rank", "c", "score"))


def validation(spark, groups, ranked, n_valid_from, top, measures, n_cap):
    """HR@10 of the neighbours scorer on the newest groups (pipeline.rs `build`'s hold-out):
    train on groups with rank < n_valid_from, cases = later groups' train items (>= 2), target
    the last, context the rest (cases.rs); the newest `n_cap` cases. Score = sum over distinct
    context items of their top-`top` neighbour weights, context excluded; ties by id."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window
    train = ranked.where(F.col("rank") < n_valid_from)
    valid = ranked.where(F.col("rank") >= n_valid_from)
    t_items = train.select(F.explode("items").alias("item")).distinct()
    # Case items in first-appearance order, restricted to the training items.
    ex = (valid.select("order", "rank", F.posexplode("items").alias("pos", "item"))
          .join(t_items, "item"))
    cases = (ex.groupBy("order", "rank")
             .agg(F.array_sort(F.collect_list(F.struct("pos", "item"))).alias("s"))
             .where(F.size("s") >= 2)
             .select("order", "rank", F.col("s.item").alias("items")))
    cases = cases.withColumn("target", F.element_at("items", -1)).withColumn(
        "ctx", F.array_distinct(F.slice("items", 1, F.size("items") - 1)))
    newest = cases.orderBy(F.col("rank").desc()).limit(n_cap).cache()
    n_cases = newest.count()
    pc = pair_counts(train).cache()
    cnt = item_counts(train).cache()
    n_train = train.count()
    out = {}
    for m in measures:
        nb = neighbours(pc, cnt, n_train, m, top)
        ctx = newest.select("order", "target", "ctx", F.explode("ctx").alias("item"))
        sc = (ctx.join(nb, "item")
              .where(~F.array_contains("ctx", F.col("neighbour")))
              .groupBy("order", "target", "neighbour")
              .agg(F.sum(F.col("score").cast("double")).alias("s")))
        w = Window.partitionBy("order").orderBy(F.col("s").desc(), F.col("neighbour"))
        hits = (sc.withColumn("r", F.row_number().over(w)).where("r <= 10")
                .where(F.col("neighbour") == F.col("target")).count())
        out[m] = hits / n_cases if n_cases else 0.0
    # The popularity baseline on the same cases (most popular training items not in the cart).
    pop = cnt.orderBy(F.col("ci").desc(), F.col("item")).limit(10 + 200).collect()
    pop_ids = [r["item"] for r in pop]
    rows = newest.select("target", "ctx").collect()
    ph = sum(1 for r in rows if r["target"] in [i for i in pop_ids if i not in r["ctx"]][:10])
    pc.unpersist()
    cnt.unpersist()
    return n_cases, n_train, out, (ph / n_cases if n_cases else 0.0)


def write_csv(df, path):
    """A Spark CSV folder (part files with a header each): `cartsense pack --from-spark` reads
    every part, so no output is funnelled through one task."""
    df.write.mode("overwrite").option("header", True).option("escape", '"').csv(path)


def basket_sample(ranked, id_index, budget):
    """The most recent groups whose BSKT encoding (model.rs `baskets_within`) fits `budget`:
    one row per (basket, item), basket 0 = newest."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType
    from pyspark.sql.window import Window
    bc = ranked.sparkSession.sparkContext.broadcast(id_index)

    def size(items):
        ix = sorted({bc.value[i] for i in items})
        v = lambda x: max(1, (x.bit_length() + 6) // 7)
        return v(len(ix) - 1) + v(ix[0]) + sum(v(b - a - 1) for a, b in zip(ix, ix[1:]))

    size_udf = F.udf(size, IntegerType())
    # Each basket takes at least 2 bytes: the newest budget/2 groups bound the cut, so the
    # running sum (one ordered partition) never sees more than that.
    newest = ranked.orderBy(F.col("rank").desc()).limit(max(1, budget // 2))
    w = Window.orderBy(F.col("rank").desc()).rowsBetween(Window.unboundedPreceding, 0)
    s = newest.withColumn("b", size_udf("items")).withColumn("used", F.sum("b").over(w) + 16)
    kept = s.where(F.col("used") <= budget).withColumn(
        "basket", F.row_number().over(Window.orderBy(F.col("rank").desc())) - 1)
    return kept.select("basket", F.explode("items").alias("item"))


def main(argv):
    a = parse_args(argv)
    from pyspark.sql import SparkSession, functions as F
    t0 = time.time()
    spark = (SparkSession.builder.appName("cartsense-pack")
             .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
             .config("spark.sql.ansi.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    if a.partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(a.partitions))
    raw, columns = load(spark, a)
    check_numbers(raw)
    raw, date_order = parse_times(raw, a.date_order)
    rows, report = clean(raw, a)
    if a.before:
        rows = rows.where(F.col("ts") < F.unix_timestamp(F.lit(a.before), "yyyy-MM-dd"))
    rows = rows.cache()
    if report["kept"] == 0 or rows.limit(1).count() == 0:
        raise JobError(f"{', '.join(a.orders)}: no rows left after cleaning "
                       f"({report['rows']} read): nothing to build a pack from")
    report["columns"] = columns
    log = lambda s: print(f"[{time.time() - t0:6.1f}s] {s}", file=sys.stderr, flush=True)
    log(f"clean: {json.dumps(report)}")

    groups = groups_of(rows)
    ranked = recency(groups).cache()
    n_groups = ranked.count()
    counts = item_counts(ranked).cache()
    # Items in id order = the pack's order; the catalogue fits the driver (the pack holds it).
    prices = rows.where(F.col("price").isNotNull()).groupBy("item").agg(
        F.percentile("price", 0.5).alias("price"))
    titles = rows.where(F.col("title").isNotNull() & (F.col("title") != "")).groupBy("item").agg(
        F.min_by("title", F.struct("file_ix", "line")).alias("title"))
    items = (counts.join(prices, "item", "left").join(titles, "item", "left")
             .select("item", F.col("ci").alias("popularity"), "price", "title").orderBy("item"))
    write_csv(items, os.path.join(a.out, "items"))
    ids = [r["item"] for r in items.select("item").collect()]
    id_index = {s: i for i, s in enumerate(ids)}
    log(f"{n_groups} groups, {len(ids)} items")

    cut = int(n_groups * (1.0 - a.holdout))
    measures = MEASURES if a.measure == "auto" else [a.measure]
    n_cases, n_train, hr, pop_hr = validation(spark, groups, ranked, cut, a.neighbours, measures,
                                              MAX_VALIDATION_CASES)
    measure = max(measures, key=lambda m: (hr[m], -MEASURES.index(m)))
    log(f"validation: {n_cases} cases, HR@10 {json.dumps(hr)}, popularity {pop_hr:.4f}; "
        f"measure {measure}")

    pairs = pair_counts(ranked)
    nb = neighbours(pairs, counts, n_groups, measure, a.neighbours)
    write_csv(nb, os.path.join(a.out, "neighbours"))
    log("neighbours written")

    write_csv(basket_sample(ranked, id_index, a.basket_bytes), os.path.join(a.out, "baskets"))
    log("baskets written")

    dims = 0
    if not a.no_als:
        from pyspark.ml.recommendation import ALS
        ix = spark.createDataFrame([(s, i) for s, i in id_index.items()], "item string, ix int")
        inter = (ranked.select(F.col("rank").cast("int").alias("user"),
                               F.explode("items").alias("item"))
                 .join(F.broadcast(ix), "item").select("user", F.col("ix").alias("itemIx"),
                                                      F.lit(1.0).alias("rating")))
        als = ALS(rank=a.dims, maxIter=a.iterations, regParam=ALS_LAMBDA, alpha=a.alpha,
                  implicitPrefs=True, userCol="user", itemCol="itemIx", ratingCol="rating",
                  seed=a.seed, nonnegative=False, coldStartStrategy="drop")
        model = als.fit(inter)
        emb = model.itemFactors.join(F.broadcast(ix.withColumnRenamed("ix", "id")), "id")
        emb = emb.select("item", *[F.col("features")[k].alias(f"v{k + 1}")
                                   for k in range(a.dims)])
        write_csv(emb, os.path.join(a.out, "embeddings"))
        dims = a.dims
        log("embeddings written")

    meta = {
        "builder": "spark",
        "sparkVersion": spark.version,
        "job": "spark/cartsense_job.py",
        "inputs": a.orders,
        "kind": "baskets",
        "clean": report,
        "dateOrder": date_order,
        "groups": n_groups,
        "items": len(ids),
        "choices": {"measure": measure, "neighbours": a.neighbours, "dims": dims,
                    "method": {"name": "als", "alpha": a.alpha, "lambda": ALS_LAMBDA,
                               "iterations": a.iterations, "implementation": "spark.ml ALS"},
                    "seed": a.seed, "basketBytes": a.basket_bytes, "before": a.before},
        "metrics": {"split": f"most recent {a.holdout * 100:.0f}% of groups",
                    "validationCases": n_cases, "trainGroups": n_train,
                    "neighboursHr10": hr, "popularityHr10": pop_hr},
        "wallSeconds": round(time.time() - t0, 1),
    }
    if not a.keep_id_case:
        meta["idCase"] = "upper"
    text = json.dumps(meta, indent=2)
    sc = spark.sparkContext
    path = sc._jvm.org.apache.hadoop.fs.Path(os.path.join(a.out, "meta.json"))
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    stream = fs.create(path, True)
    stream.write(bytearray(text.encode("utf-8")))
    stream.close()
    log(f"done: {a.out}")
    spark.stop()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except JobError as e:
        print(f"cartsense spark job: error: {e}", file=sys.stderr)
        sys.exit(2)
