"""The Python side of the interop models: what a Python Popoto service sharing the Redis declares.

test/interop/models.ts declares the same models for popoto-ts. Order's key fields are declared
out of alphabetical order (zone before code): Popoto still joins them as Order:<code>:<zone>.
"""
from datetime import date, datetime, time
from decimal import Decimal

from popoto import (
    AutoKeyField,
    DataFrameField,
    DatetimeField,
    Field,
    GeoField,
    KeyField,
    Model,
    Relationship,
    SortedField,
    SortedKeyField,
    UniqueKeyField,
)

__all__ = [
    "Order", "Ticket", "Note", "Account", "Typed", "Snow", "Slot", "Event", "Memo",
    "Player", "Gadget", "Frame", "Place", "Owner", "Pet", "Shift",
]


class Order(Model):
    zone = KeyField()
    code = KeyField()
    qty = SortedField(type=int)
    total = SortedField(type=float)
    placed = SortedField(type=datetime)
    due = SortedField(type=date)
    note = Field(type=str, null=True)
    count = Field(type=int, null=True)
    ratio = Field(type=float, null=True)
    paid = Field(type=bool, default=False)
    price = Field(type=Decimal, null=True)
    seen = Field(type=datetime, null=True)
    born = Field(type=date, null=True)
    tags = Field(type=list, null=True)
    meta = Field(type=dict, null=True)
    views = Field(type=int, null=True)


class Ticket(Model):
    uid = AutoKeyField()
    queue = KeyField()
    rank = SortedField(type=int)
    body = Field(type=str, null=True)


class Note(Model):
    nid = AutoKeyField()
    text = Field(type=str, max_length=2000)


class Account(Model):
    """Every index kind a key field keeps: $UniqueKeyF, $KeyF, $SortedKeyF (and a $SortF)."""

    email = UniqueKeyField()
    team = KeyField()
    rank = SortedKeyField(type=int)
    level = SortedField(type=int)
    name = Field(type=str, null=True)


class Typed(Model):
    """Key fields of every type Popoto keys by: the key holds str() of each value."""

    i = KeyField(type=int)
    f = KeyField(type=float)
    b = KeyField(type=bool)
    d = KeyField(type=date)
    dt = KeyField(type=datetime)
    dec = KeyField(type=Decimal)
    note = Field(type=str, null=True)


class Snow(Model):
    """An int key beyond 2^53 (a snowflake id): a bigint KeyField in popoto-ts."""

    sid = KeyField(type=int)
    body = Field(type=str, null=True)


class Slot(Model):
    """A nullable key field: None in the key and in its index set's name."""

    zone = KeyField(null=True)
    code = KeyField()
    n = Field(type=int, null=True)


class Event(Model):
    """SortedKeyFields: a datetime one and a float one (SortedKeyField's default type)."""

    at = SortedKeyField(type=datetime)
    weight = SortedKeyField()
    body = Field(type=str, null=True)


class Memo(Model):
    """No key field: Popoto adds its hidden _auto_key AutoKeyField."""

    text = Field(type=str)
    level = SortedField(type=int)


class Player(Model):
    """SortedFields partitioned (sort_by) by a plain field, and by it and a key field; a Decimal one."""

    pid = KeyField()
    tier = KeyField(type=int)
    team = Field(type=str)
    score = SortedField(type=float, sort_by="team")
    points = SortedField(type=int, sort_by=("team", "tier"))
    price = SortedField(type=Decimal)


class Gadget(Model):
    """The bytes, time, set and tuple fields, and DatetimeField's auto_now_add and auto_now."""

    gid = KeyField()
    blob = Field(type=bytes, null=True)
    at = Field(type=time, null=True)
    tags = Field(type=set, null=True)
    pair = Field(type=tuple, null=True)
    created = DatetimeField(auto_now_add=True)
    updated = DatetimeField(auto_now=True)


class Frame(Model):
    """A DataFrameField, which popoto-ts does not support."""

    fid = KeyField()
    frame = DataFrameField(null=True)
    note = Field(type=str, null=True)


class Place(Model):
    """A GeoField (nullable, as Popoto's default)."""

    name = KeyField()
    loc = GeoField()


class Owner(Model):
    oid = KeyField()
    name = Field(type=str, null=True)


class Pet(Model):
    """A Relationship to Owner (nullable, as Popoto's default)."""

    pid = KeyField()
    owner = Relationship(model=Owner)
    kind = Field(type=str, null=True)


class Shift(Model):
    """A time key field: the key holds str() of the time."""

    at = KeyField(type=time)
    note = Field(type=str, null=True)
