// The popoto-ts side of the interop models: the same models as peer_models.py declares for
// Python Popoto, field for field. Order declares zone before code, as the Python side does;
// both store Order:<code>:<zone>. Snow's id is a Python int beyond 2^53: a bigint here. Memo
// declares no key field: both sides give it the hidden _auto_key.
import type { Redis } from 'ioredis';
import {
  AutoKeyField,
  defineModel,
  Field,
  GeoField,
  KeyField,
  Relationship,
  SortedField,
  SortedKeyField,
  UniqueKeyField,
} from '../../src/models/index.js';

/** The interop models bound to `redis` (the private server). */
export function interopModels(redis: Redis) {
  const Order = defineModel(
    'Order',
    {
      zone: KeyField(),
      code: KeyField(),
      qty: SortedField({ type: 'int' }),
      total: SortedField({ type: 'float' }),
      placed: SortedField({ type: 'datetime' }),
      due: SortedField({ type: 'date' }),
      note: Field({ null: true }),
      count: Field({ type: 'int', null: true }),
      ratio: Field({ type: 'float', null: true }),
      paid: Field({ type: 'boolean', default: false }),
      price: Field({ type: 'decimal', null: true }),
      seen: Field({ type: 'datetime', null: true }),
      born: Field({ type: 'date', null: true }),
      tags: Field({ type: 'list', null: true }),
      meta: Field({ type: 'object', null: true }),
      views: Field({ type: 'bigint', null: true }),
    },
    { redis },
  );
  const Ticket = defineModel(
    'Ticket',
    { uid: AutoKeyField(), queue: KeyField(), rank: SortedField({ type: 'int' }), body: Field({ null: true }) },
    { redis },
  );
  const Note = defineModel('Note', { nid: AutoKeyField(), text: Field({ maxLength: 2000 }) }, { redis });
  const Account = defineModel(
    'Account',
    {
      email: UniqueKeyField(),
      team: KeyField(),
      rank: SortedKeyField({ type: 'int' }),
      level: SortedField({ type: 'int' }),
      name: Field({ null: true }),
    },
    { redis },
  );
  const Typed = defineModel(
    'Typed',
    {
      i: KeyField({ type: 'int' }),
      f: KeyField({ type: 'float' }),
      b: KeyField({ type: 'boolean' }),
      d: KeyField({ type: 'date' }),
      dt: KeyField({ type: 'datetime' }),
      dec: KeyField({ type: 'decimal' }),
      note: Field({ null: true }),
    },
    { redis },
  );
  const Snow = defineModel('Snow', { sid: KeyField({ type: 'bigint' }), body: Field({ null: true }) }, { redis });
  const Slot = defineModel(
    'Slot',
    { zone: KeyField({ null: true }), code: KeyField(), n: Field({ type: 'int', null: true }) },
    { redis },
  );
  const Event = defineModel(
    'Event',
    { at: SortedKeyField({ type: 'datetime' }), weight: SortedKeyField(), body: Field({ null: true }) },
    { redis },
  );
  const Memo = defineModel('Memo', { text: Field(), level: SortedField({ type: 'int' }) }, { redis });
  const Player = defineModel(
    'Player',
    {
      pid: KeyField(),
      tier: KeyField({ type: 'int' }),
      team: Field(),
      score: SortedField({ type: 'float', sortBy: 'team' }),
      points: SortedField({ type: 'int', sortBy: ['team', 'tier'] }),
      price: SortedField({ type: 'decimal' }),
    },
    { redis },
  );
  const Gadget = defineModel(
    'Gadget',
    {
      gid: KeyField(),
      blob: Field({ type: 'bytes', null: true }),
      at: Field({ type: 'time', null: true }),
      tags: Field({ type: 'set', null: true }),
      pair: Field({ type: 'tuple', null: true }),
      created: Field({ type: 'datetime', autoNowAdd: true }),
      updated: Field({ type: 'datetime', autoNow: true }),
    },
    { redis },
  );
  const Place = defineModel('Place', { name: KeyField(), loc: GeoField({ null: true }) }, { redis });
  const Owner = defineModel('Owner', { oid: KeyField(), name: Field({ null: true }) }, { redis });
  const Pet = defineModel(
    'Pet',
    { pid: KeyField(), owner: Relationship({ model: Owner, null: true }), kind: Field({ null: true }) },
    { redis },
  );
  const Shift = defineModel('Shift', { at: KeyField({ type: 'time' }), note: Field({ null: true }) }, { redis });
  return { Order, Ticket, Note, Account, Typed, Snow, Slot, Event, Memo, Player, Gadget, Place, Owner, Pet, Shift };
}
