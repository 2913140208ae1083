// test tier: unit
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
  GeoField,
  KeyField,
  Relationship,
  SortedField,
  SortedKeyField,
  UniqueKeyField,
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
const Owner = defineModel('Owner', { oid: KeyField() }, { redis: new Redis({ lazyConnect: true }) });
const Pet = defineModel(
  'Pet',
  { pid: KeyField(), owner: Relationship({ model: Owner }), vet: Relationship({ model: Owner, null: true }) },
  { redis: new Redis({ lazyConnect: true }) },
);
const Scored = defineModel(
  'Scored',
  { id: KeyField(), team: Field(), points: SortedField({ type: 'int', sortBy: 'team' }), loc: GeoField() },
  { redis: new Redis({ lazyConnect: true }) },
);

describe('model typing', () => {
  it('types Relationships as instances of their model, GeoFields as points, partitions and geo in filters', () => {
    const pet = new Pet({ pid: '1', owner: new Owner({ oid: 'o' }) });
    expectTypeOf(pet.owner.oid).toEqualTypeOf<string>();
    expectTypeOf(pet.vet).toEqualTypeOf<ModelInstance<(typeof Owner)['fields']> | null>();
    expectTypeOf(new Scored({ id: '1', team: 'a', points: 1, loc: { latitude: 1, longitude: 2 } }).loc).toEqualTypeOf<{
      latitude: number;
      longitude: number;
    }>();
    const filtered = () => Scored.query.filter({ team: 'a', points__gte: 1, loc: { latitude: 1, longitude: 2 }, loc_radius: 5, loc_radius_unit: 'km' }); // prettier-ignore
    expectTypeOf(filtered).returns.resolves.items.toHaveProperty('points');
  });

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
    expectTypeOf(() => Member.query.filter({ id: '1' })).returns.resolves.toEqualTypeOf<Member[]>();
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
    expectTypeOf(() => User.query.filter({ id: '1' })).returns.resolves.toEqualTypeOf<User[]>();
    expectTypeOf(() => User.query.all({ limit: 1 })).returns.resolves.toEqualTypeOf<User[]>();
    // A projection: plain objects of exactly the fields named.
    expectTypeOf(() => User.query.filter({ id: '1', values: ['name', 'level'] })).returns.resolves.toEqualTypeOf<
      { name: string; level: number }[]
    >();
    expectTypeOf(() => User.query.all({ values: ['id'] })).returns.resolves.toEqualTypeOf<{ id: string }[]>();
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
      SortedField({ type: 'list' });
      // @ts-expect-error: autoNow is for datetime fields
      Field({ type: 'date', autoNow: true });
      // @ts-expect-error: a Relationship not declared null holds an instance
      void Pet.create({ pid: '1', owner: null });
      // @ts-expect-error: a Relationship holds an instance of its model
      void Pet.create({ pid: '1', owner: { id: '1' } });
      // @ts-expect-error: a partition field is given by equality, a GeoField by a point
      void Scored.query.filter({ team: 1, loc: [1, 2] });
      // @ts-expect-error: a GeoField is declared with GeoField()
      Field({ type: 'geo' });
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

  it('types key fields by their type and null options, get by a UniqueKeyField alone, and the key lookups', () => {
    const Keyed = defineModel(
      'Keyed',
      {
        email: UniqueKeyField(),
        seat: KeyField({ type: 'int', null: true }),
        day: KeyField({ type: 'date' }),
        big: KeyField({ type: 'bigint' }),
        rank: SortedKeyField({ type: 'int' }),
        weight: SortedKeyField(),
        name: Field(),
      },
      { redis: new Redis({ lazyConnect: true }) },
    );
    const keyed = new Keyed({ email: 'a', seat: null, day: new Date(), big: 1n, rank: 1, weight: 0.5, name: 'x' });
    expectTypeOf(keyed.email).toEqualTypeOf<string>();
    expectTypeOf(keyed.seat).toEqualTypeOf<number | null>();
    expectTypeOf(keyed.day).toEqualTypeOf<Date>();
    expectTypeOf(keyed.big).toEqualTypeOf<bigint>();
    expectTypeOf(keyed.rank).toEqualTypeOf<number>();
    expectTypeOf(keyed.weight).toEqualTypeOf<number>();
    expectTypeOf(Keyed.parseKey).returns.toEqualTypeOf<
      { email: string; seat: number | null; day: Date; big: bigint; rank: number; weight: number } | undefined
    >();

    const Log = defineModel('Log', { line: Field(), level: SortedField({ type: 'int' }) });
    expectTypeOf(new Log({ line: 'x', level: 1 })._auto_key).toEqualTypeOf<string>();

    const mistakes = (): void => {
      // @ts-expect-error: get needs every key field, or a UniqueKeyField
      void Keyed.query.get({ seat: 1 });
      // @ts-expect-error: a typed key field takes its type
      void Keyed.query.get({ email: 'a', seat: '1', day: new Date(), big: 1n, rank: 1, weight: 1 });
      // @ts-expect-error: __in takes a list of the field's values
      void Keyed.query.filter({ seat__in: ['1'] });
      // @ts-expect-error: __in takes a list
      void Keyed.query.filter({ seat__in: 1 });
      // @ts-expect-error: __isnull is for nullable key fields
      void Keyed.query.filter({ day__isnull: true });
      // @ts-expect-error: __isnull takes a boolean
      void Keyed.query.filter({ seat__isnull: 'yes' });
      // @ts-expect-error: __endswith takes text
      void Keyed.query.filter({ email__endswith: 1 });
      // @ts-expect-error: plain SortedFields take no __in (Popoto's do not)
      void User.query.filter({ level__in: [1] });
      // @ts-expect-error: Popoto refuses null on a UniqueKeyField
      UniqueKeyField({ null: true });
      // @ts-expect-error: Popoto refuses null on an AutoKeyField
      AutoKeyField({ null: true });
      // @ts-expect-error: a SortedKeyField is sortable
      SortedKeyField({ type: 'string' });
      // @ts-expect-error: lists cannot be key parts
      KeyField({ type: 'list' });
      // @ts-expect-error: maxLength is for string keys
      KeyField({ type: 'int', maxLength: 3 });
      // @ts-expect-error: the hidden _auto_key is a string
      void Log.query.get({ _auto_key: 1 });
    };
    void mistakes;

    const fine = (): void => {
      void Keyed.query.get({ email: 'a' });
      void Keyed.query.get({ email: 'a', seat: null });
      void Keyed.query.get({ email: 'a', seat: 1, day: new Date(), big: 1n, rank: 1, weight: 1 });
      void Keyed.query.filter({ seat__in: [1, null], seat__isnull: false, rank__gte: 1, rank__in: [1, 2] });
      void Keyed.query.filter({ email__endswith: 'x', day__startswith: '2024-', weight: 0.5, seat: null });
      void Keyed.query.count({ big__in: [1n] });
      void Log.query.get({ _auto_key: 'x' });
      void Log.query.filter({ _auto_key__in: ['x'], level__gte: 1 });
      void Log.create({ line: 'x', level: 1 });
    };
    void fine;
  });
});
