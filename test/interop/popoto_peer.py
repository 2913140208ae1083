"""A long-lived Python Popoto 0.8.3 process for popoto-ts's live interop tests.

It speaks JSON lines on stdin/stdout: a request {"id": n, "op": "...", ...} gets a reply
{"id": n, "ok": true, "result": ...} or {"id": n, "ok": false, "error": "Type: message"}.
Popoto connects to REDIS_URL when it is imported (the test's private redis-server).

Values cross as JSON with tags for what JSON lacks, both ways: {"$datetime": iso},
{"$date": iso}, {"$decimal": str}, {"$float": number-or-str}, {"$int": str} (beyond 2^53),
{"$tuple": [...]}, {"$set": [...]}, {"$dict": [[key, value], ...]} (dicts with non-string
keys, or whose key order matters), {"$bytes": hex}, {"$time": "HH:MM:SS.ffffff"}, {"$ref": key} (a
model instance, by its record key: loaded with its model's query.get), {"$frame": [[row], ...]}
(a pandas DataFrame of those rows). Records come back with both their values
(tagged) and Python's repr() of each field, which shows the exact Python types.
"""
import json
import logging
import os
import sys
import time
from datetime import date, datetime
from datetime import time as clock_time
from decimal import Decimal

logging.disable(logging.CRITICAL)  # Popoto logs every validation failure at ERROR level
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import popoto  # noqa: E402
from popoto import Publisher, Subscriber  # noqa: E402
from popoto.models.db_key import DB_key  # noqa: E402
from popoto.models.query import Query  # noqa: E402
from popoto.redis_db import POPOTO_REDIS_DB  # noqa: E402

import peer_models  # noqa: E402

MODELS = {name: getattr(peer_models, name) for name in peer_models.__all__}
SAFE = 2**53


def tag(value):
    """A Python value as tagged JSON."""
    if isinstance(value, popoto.Model):
        return {"$ref": value.db_key.redis_key}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if -SAFE <= value <= SAFE else {"$int": str(value)}
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else {"$float": repr(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, clock_time):
        return {"$time": value.strftime("%H:%M:%S.%f")}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, tuple):
        return {"$tuple": [tag(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": [tag(v) for v in sorted(value, key=repr)]}
    if isinstance(value, list):
        return [tag(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: tag(v) for k, v in value.items()}
        return {"$dict": [[tag(k), tag(v)] for k, v in value.items()]}
    return {"$repr": repr(value)}


def untag(value):
    """Tagged JSON as a Python value."""
    if isinstance(value, list):
        return [untag(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (name, inner), = value.items()
        if name == "$datetime":
            return datetime.fromisoformat(inner)
        if name == "$date":
            return date.fromisoformat(inner)
        if name == "$decimal":
            return Decimal(inner)
        if name == "$float":
            return float(inner)
        if name == "$int":
            return int(inner)
        if name == "$tuple":
            return tuple(untag(v) for v in inner)
        if name == "$set":
            return set(untag(v) for v in inner)
        if name == "$dict":
            return {untag(k): untag(v) for k, v in inner}
        if name == "$bytes":
            return bytes.fromhex(inner)
        if name == "$time":
            return datetime.strptime(inner, "%H:%M:%S.%f").time()
        if name == "$ref":
            model = MODELS[inner.split(":")[0]]
            return model.query.get(redis_key=inner)
        if name == "$frame":
            import pandas

            return pandas.DataFrame(inner)
    return {k: untag(v) for k, v in value.items()}


def record(instance):
    if instance is None:
        return None
    fields = instance._meta.field_names
    return {
        "key": instance.db_key.redis_key,
        "values": {f: tag(getattr(instance, f)) for f in fields},
        "repr": {f: repr(getattr(instance, f)) for f in fields},
    }


def text(key):
    return key.decode() if isinstance(key, bytes) else key


class PeerSubscriber(Subscriber):
    """A Popoto Subscriber that keeps what its handle() receives."""

    def __init__(self, channels):
        self.sub_channel_names = channels
        self.messages = []
        super().__init__()
        confirmed, deadline = 0, time.monotonic() + 10
        while confirmed < len(channels):
            if time.monotonic() > deadline:
                raise TimeoutError(f"subscriptions to {channels} not confirmed")
            message = self.pubsub.get_message(timeout=0.1)
            if message and message["type"] == "subscribe":
                confirmed += 1

    def handle(self, channel, data, *args, **kwargs):
        self.messages.append({"channel": channel, "value": tag(data), "repr": repr(data)})


subscriber = None


def op_ping(req):
    return {"popoto": popoto.__file__, "python": sys.version.split()[0]}


def op_create(req):
    instance = MODELS[req["model"]].create(**untag(req["values"]))
    return record(instance)


def op_get(req):
    return record(MODELS[req["model"]].query.get(**untag(req["keys"])))


def op_get_key(req):
    return record(MODELS[req["model"]].query.get(redis_key=req["key"]))


def op_get_many(req):
    model = MODELS[req["model"]]
    return [record(i) for i in Query.get_many_objects(model, [k.encode() for k in req["redis_keys"]])]


def op_filter(req):
    return [record(i) for i in MODELS[req["model"]].query.filter(**untag(req["params"]))]


def op_all(req):
    return [record(i) for i in MODELS[req["model"]].query.all()]


def op_values(req):
    """`filter(**params)` (or `all(**params)` without conditions) with values=: plain dicts, tagged."""
    query = MODELS[req["model"]].query
    params = untag(req["params"])
    rows = query.filter(**params) if set(params) - {"values", "order_by", "limit"} else query.all(**params)
    return [{k: tag(v) for k, v in row.items()} for row in rows]


def op_count(req):
    return MODELS[req["model"]].query.count(**untag(req.get("params", {})))


def op_keys(req):
    return sorted(text(k) for k in MODELS[req["model"]].query.keys())


def op_update(req):
    instance = MODELS[req["model"]].query.get(redis_key=req["key"])
    for name, value in untag(req["changes"]).items():
        setattr(instance, name, value)
    instance.save()
    return record(instance)


def op_delete(req):
    return MODELS[req["model"]].query.get(redis_key=req["key"]).delete()


def op_redis_expire(req):
    # Popoto 0.8.3's save() has no TTL (its ttl/expire_at code is commented out): a Python
    # service sets one on the record's hash with Redis itself, as done here.
    return POPOTO_REDIS_DB.pexpire(req["key"], req["ms"])


def op_clean(req):
    return [DB_key.clean(v) for v in req["values"]]


def op_unclean(req):
    return [DB_key.unclean(v) for v in req["values"]]


def op_str(req):
    """Python's str() of each value, as Popoto puts it in a key (before DB_key.clean)."""
    return [str(untag(v)) for v in req["values"]]


def op_field_error(req):
    """What declaring a field with these options raises in Popoto, or None."""
    try:
        getattr(popoto, req["field"])(**untag(req["options"]))
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def op_publish(req):
    return Publisher().publish(untag(req["data"]), channel_name=req["channel"])


def op_subscribe(req):
    global subscriber
    subscriber = PeerSubscriber(req["channels"])
    return True


def op_received(req):
    deadline = time.monotonic() + req["timeout_ms"] / 1000
    while len(subscriber.messages) < req["count"] and time.monotonic() < deadline:
        before = len(subscriber.messages)
        subscriber()  # Popoto's own receive: get_message, msgpack.unpackb, handle()
        if len(subscriber.messages) == before:
            time.sleep(0.002)
    return subscriber.messages


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            reply = {"id": req["id"], "ok": True, "result": globals()["op_" + req["op"]](req)}
        except Exception as error:  # reported to the test, which decides
            reply = {"id": req["id"], "ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
