"""Neighbour lists of the Spark job against `cartsense neighbours` (same measure and N).

    python3 spark/compare_neighbours.py RUST.csv SPARK_OUT_DIR

Exit 0 when every item has the same neighbours in the same order with the same float32 score;
else prints the first differences and exits 1.
"""

import csv
import glob
import os
import struct
import sys


def f32(s):
    return struct.unpack("f", struct.pack("f", float(s)))[0]


def lists(paths):
    rows = {}
    for p in paths:
        with open(p, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                rows.setdefault(r["item"], []).append((int(r["rank"]), r["neighbour"],
                                                       int(r["c"]), f32(r["score"])))
    return {k: [x[1:] for x in sorted(v)] for k, v in rows.items()}


def main(rust_csv, spark_dir):
    parts = sorted(glob.glob(os.path.join(spark_dir, "neighbours", "part-*.csv")))
    if not parts:
        print(f"{spark_dir}/neighbours: no part files", file=sys.stderr)
        return 1
    a, b = lists([rust_csv]), lists(parts)
    diffs = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    entries = sum(len(v) for v in a.values())
    if diffs:
        for k in diffs[:5]:
            print(f"{k!r}:\n  build {a.get(k)}\n  spark {b.get(k)}", file=sys.stderr)
        print(f"neighbour lists differ for {len(diffs)} of {len(set(a) | set(b))} items",
              file=sys.stderr)
        return 1
    print(f"neighbour lists agree exactly: {len(a)} items, {entries} entries "
          "(ids, order, counts and float32 scores)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
