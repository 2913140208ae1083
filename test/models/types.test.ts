// Compile-time behaviour: instance properties and create/filter/get arguments are inferred
// from the field declarations. Every `@ts-expect-error` below is a mistake the compiler must
// reject (npm run typecheck fails if one of them compiles); the runtime part checks the rest.
import { Redis } from 'ioredis';
import type { Redis as Redis5 } from 'ioredis5';
import { describe, expectTypeOf, it } from 'vitest';
import {
  AutoKeyField,
  defineModel,
  Field,
  KeyField,
  SortedField,
  type ModelInstance,
  type ModelOptions,
  type Query,
} from '../../src/models/index.js';

const User = defineModel(
  'User',
  {
    id: KeyField(),
    name: Field(),
    level: SortedField({ type: 'int' }),
    joined: SortedField({ type: 'datetime', null: true }),
    nickname: Field({ type: 'string', null: true }),
    score: Field({ type: 'float', default: 0 }),
    balance: Field({ type: 'decimal', null: true }),
    tags: Field({ type: 'list', default: () => [] }),
    meta: Field({ type: 'object', null: true }),
    active: Field({ type: 'boolean', default: true }),
    views: Field({ type: 'bigint', null: true }),
    born: SortedField({ type: 'date', null: true }),
  },
  { redis: new Redis({ lazyConnect: true }) },
);
type User = ModelInstance<(typeof User)['fields']>;

describe('model typing', () => {
  it('infers instance property types', () => {
    const user = new User({ id: '1', name: 'Ann', level: 3 });
    expectTypeOf(user.id).toEqualTypeOf<string>();
    expectTypeOf(user.name).toEqualTypeOf<string>();
    expectTypeOf(user.level).toEqualTypeOf<number>();
    expectTypeOf(user.joined).toEqualTypeOf<Date | null>();
    expectTypeOf(user.nickname).toEqualTypeOf<string | null>();
    expectTypeOf(user.score).toEqualTypeOf<number>();
    expectTypeOf(user.balance).toEqualTypeOf<string | null>();
    expectTypeOf(user.tags).toEqualTypeOf<unknown[]>();
    expectTypeOf(user.meta).toEqualTypeOf<Record<string, unknown> | null>();
    expectTypeOf(user.active).toEqualTypeOf<boolean>();
    expectTypeOf(user.views).toEqualTypeOf<bigint | null>();
    expectTypeOf(user.born).toEqualTypeOf<Date | null>();
    expectTypeOf(user.save).returns.resolves.toEqualTypeOf<typeof user>();
    expectTypeOf<User>().toEqualTypeOf<typeof user>();
  });

  it('types create by the subclass, and query results once the subclass declares its query', () => {
    class Member extends defineModel('Member', { id: KeyField(), name: Field() }) {
      declare static readonly query: Query<typeof Member.fields, Member>;
      greet(): string {
        return `hello ${this.name}`;
      }
    }
    expectTypeOf(Member.query.get).returns.resolves.toEqualTypeOf<Member | null>();
    expectTypeOf(Member.query.filter).returns.resolves.toEqualTypeOf<Member[]>();
    const created = async (): Promise<void> => {
      const member = await Member.create({ id: '1', name: 'Ann' });
      expectTypeOf(member).toEqualTypeOf<Member>();
      expectTypeOf(member.greet()).toEqualTypeOf<string>();
    };
    void created;
  });

  it("takes an ioredis 5 Redis (the application's own copy of ioredis) as the redis option, without a cast", () => {
    expectTypeOf<Redis5>().toExtend<NonNullable<ModelOptions['redis']>>();
    expectTypeOf<Redis>().toExtend<NonNullable<ModelOptions['redis']>>();
    // @ts-expect-error: a URL is not a client (also refused at run time, see model.test.ts)
    void (() => defineModel('Note', { id: KeyField() }, { redis: 'redis://127.0.0.1:6379' }));
  });

  it('types create, get and filter arguments and results', () => {
    expectTypeOf(User.create).parameter(0).toHaveProperty('name');
    expectTypeOf(User.query.get).returns.resolves.toEqualTypeOf<User | null>();
    expectTypeOf(User.query.filter).returns.resolves.toEqualTypeOf<User[]>();
    expectTypeOf(User.query.getMany).returns.resolves.toEqualTypeOf<(User | null)[]>();

    const mistakes = (): void => {
      // @ts-expect-error: a required field (level) is missing
      void User.create({ id: '1', name: 'Ann' });
      // @ts-expect-error: wrong type for a field
      void User.create({ id: '1', name: 'Ann', level: 'high' });
      // @ts-expect-error: unknown field name
      void User.create({ id: '1', name: 'Ann', level: 1, nmae: 'typo' });
      // @ts-expect-error: null for a field that is not nullable
      void User.create({ id: '1', name: null, level: 1 });
      // @ts-expect-error: get needs the key fields only
      void User.query.get({ name: 'Ann' });
      // @ts-expect-error: plain fields are not indexed, so they cannot be filtered on
      void User.query.filter({ name: 'Ann' });
      // @ts-expect-error: ranges are for sorted fields only
      void User.query.filter({ id__gte: '1' });
      // @ts-expect-error: a range on an int field takes a number
      void User.query.filter({ level__gte: '3' });
      // @ts-expect-error: order_by names a field
      void User.query.filter({ order_by: '-nope' });
      // @ts-expect-error: Field types are a closed set
      Field({ type: 'money' });
      // @ts-expect-error: maxLength is for string fields
      Field({ type: 'int', maxLength: 10 });
      // @ts-expect-error: only types with a sorted index can be SortedFields
      SortedField({ type: 'decimal' });
      // @ts-expect-error: a bigint field takes bigints
      void User.create({ id: '1', name: 'Ann', level: 1, views: 5 });
      // @ts-expect-error: a range on a date field takes a Date
      void User.query.filter({ born__gte: 5 });
      const user = new User({ id: '1', name: 'Ann', level: 3 });
      // @ts-expect-error: assigning the wrong type to a field
      user.level = 'x';
    };
    void mistakes;

    // And what is allowed compiles:
    const fine = (): void => {
      void User.create({ id: '1', name: 'Ann', level: 1, joined: new Date(), score: 2.5, views: 2n ** 60n });
      void User.query.filter({ born__gte: new Date() });
      Field({ maxLength: 4096 });
      KeyField({ maxLength: 256 });
      void User.query.filter({
        id__startswith: 'a',
        level__gte: 1,
        joined__lt: new Date(),
        order_by: '-level',
        limit: 5,
      });
      void defineModel('Note', { nid: AutoKeyField(), body: Field() }).create({ body: 'no key needed' });
    };
    void fine;
  });
});
