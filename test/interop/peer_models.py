"""The Python side of the interop models: what a Python Popoto service sharing the Redis declares.

test/interop/models.ts declares the same models for popoto-ts. Order's key fields are declared
out of alphabetical order (zone before code): Popoto still joins them as Order:<code>:<zone>.
"""
from datetime import date, datetime
from decimal import Decimal

from popoto import AutoKeyField, Field, KeyField, Model, SortedField

__all__ = ["Order", "Ticket", "Note"]


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
