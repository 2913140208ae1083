"""Python Popoto's model reads through its own run_all_multithreaded, for the bench's chart.

Run by bench/python-popoto.ts with PYTHONPATH pointing at a Popoto source tree (0.8.3) and
REDIS_URL at the bench's Redis. Writes RECORDS records of a model whose name is unique to this
run, times run_all_multithreaded(Model.query.get, keys) ROUNDS times, prints one JSON line, and
deletes every key it wrote (also when interrupted).
"""
import json
import os
import statistics
import sys
import time
import uuid

from popoto import Field, KeyField, Model, SortedField
from popoto.redis_db import POPOTO_REDIS_DB
from popoto.utils.multithreading import run_all_multithreaded

records = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
name = "PopotoTsBench" + uuid.uuid4().hex[:12]
# The same shape as the demo's and the bench's price records: two key fields, a sorted field, a plain one.
Price = type(
    name,
    (Model,),
    {
        "__module__": __name__,
        "symbol": KeyField(),
        "date": KeyField(),
        "close": SortedField(type=float),
        "volume": Field(type=int),
    },
)


def delete_own_keys():
    # Every key Popoto writes for this model carries its unique name: the record, $Class, $KeyF, $SortF.
    for pattern in (f"{name}:*", f"$Class:{name}", f"$KeyF:{name}:*", f"$SortF:{name}:*"):
        keys = list(POPOTO_REDIS_DB.scan_iter(match=pattern, count=1000))
        for i in range(0, len(keys), 500):
            POPOTO_REDIS_DB.unlink(*keys[i : i + 500])


try:
    params = [(f"S{i % 10}", f"d{i}") for i in range(records)]
    for i, (symbol, date) in enumerate(params):
        Price.create(symbol=symbol, date=date, close=float(i % 977) / 10, volume=i)
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        found = run_all_multithreaded(lambda p: Price.query.get(symbol=p[0], date=p[1]), params)
        rates.append(records / (time.perf_counter() - start))
        assert sum(f is not None for f in found) == records, "a record was not read back"
    print(json.dumps({"opsPerSec": statistics.median(rates), "records": records, "rounds": rounds,
                      "python": sys.version.split()[0]}))
finally:
    delete_own_keys()
