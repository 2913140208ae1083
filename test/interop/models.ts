// The popoto-ts side of the interop models: the same models as peer_models.py declares for
// Python Popoto, field for field. Order declares zone before code, as the Python side does;
// both store Order:<code>:<zone>.
import type { Redis } from 'ioredis';
import { AutoKeyField, defineModel, Field, KeyField, SortedField } from '../../src/models/index.js';

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
  return { Order, Ticket, Note };
}
