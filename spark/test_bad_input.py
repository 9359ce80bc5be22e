"""Bad input stops the job with a message naming the file and the column (scripts/spark-test.sh).

    spark-submit spark/test_bad_input.py WORKDIR

Runs the job's `main` on a missing column, an empty file and a non-numeric price in one Spark
session (one JVM start instead of three) and checks each error message.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cartsense_job as job  # noqa: E402


def expect(argv, *needles):
    try:
        job.main(argv)
    except job.JobError as e:
        msg = str(e)
        missing = [n for n in needles if n not in msg]
        if missing:
            print(f"FAIL: {argv}: message {msg!r} lacks {missing}", file=sys.stderr)
            return False
        print(f"ok: {msg}")
        return True
    print(f"FAIL: {argv}: the job did not stop", file=sys.stderr)
    return False


def main(work):
    os.makedirs(work, exist_ok=True)
    good = os.path.join(work, "orders.csv")
    with open(good, "w") as f:
        f.write("InvoiceNo,StockCode,Quantity,UnitPrice,InvoiceDate\n"
                "1,A,1,2.5,2011-01-01 10:00:00\n1,B,2,3.0,2011-01-01 10:00:00\n")
    empty = os.path.join(work, "empty.csv")
    open(empty, "w").close()
    bad_price = os.path.join(work, "bad_price.csv")
    with open(bad_price, "w") as f:
        f.write("InvoiceNo,StockCode,Quantity,UnitPrice,InvoiceDate\n"
                "1,A,1,2.5,2011-01-01 10:00:00\n1,B,2,two pounds,2011-01-01 10:00:00\n")
    out = os.path.join(work, "out")
    ok = all([
        expect(["--orders", good, "--out", out, "--item-col", "Sku"], "orders.csv", "'Sku'",
               "--item-col"),
        expect(["--orders", empty, "--out", out], "empty.csv", "empty file"),
        expect(["--orders", bad_price, "--out", out], "bad_price.csv", "price",
               "'two pounds'"),
    ])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
