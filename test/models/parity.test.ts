// needs: local cluster
// Issue 16's field kinds on a single Redis and on a cluster (the live comparisons with Python
// Popoto are in test/interop/): sortBy partitions, a GeoField, a Relationship and projections
// under a key prefix and hash tags, and deletes that leave no key behind.
import { describe, expect, it } from 'vitest';
import {
  defineModel,
  Field,
  GeoField,
  KeyField,
  ModelValidationError,
  Relationship,
  SortedField,
} from '../../src/models/index.js';
import { scanAll, targets, useModelTarget, type TestClient } from '../helpers/redis.js';

function models(redis: TestClient) {
  const Team = defineModel('Team', { tid: KeyField(), city: GeoField({ null: true }) }, { redis });
  const Member = defineModel(
    'Member',
    {
      mid: KeyField(),
      team: Relationship({ model: Team }),
      league: Field(),
      score: SortedField({ type: 'decimal', sortBy: 'league' }),
    },
    { redis },
  );
  return { Team, Member };
}

describe.each(targets)('partitions, geo, relationships and projections on $name', ({ create }) => {
  const target = useModelTarget(create);
  const { base, k } = target;

  it('writes them in Popoto’s layout (hash-tagged on a cluster), reads and filters them, and deletes every entry', async () => {
    const { p, redis } = target.setup();
    const { Team, Member } = models(redis);
    const red = await Team.create({ tid: 'red', city: { latitude: 48.85, longitude: 2.35 } });
    const blue = await Team.create({ tid: 'blue', city: null });
    await Member.create({ mid: 'a', team: red, league: 'x', score: '1.5' });
    await Member.create({ mid: 'b', team: blue, league: 'x', score: '3' });
    await Member.create({ mid: 'c', team: red, league: 'y', score: '2' });
    expect(new Set(await scanAll(base, `${p}*`))).toEqual(
      new Set(
        [
          ['$Class:Team', 'Team'], ['$KeyF:Team:tid:red', 'Team'], ['$KeyF:Team:tid:blue', 'Team'],
          ['$GeoF:Team:city', 'Team'], ['Team:red', 'Team'], ['Team:blue', 'Team'],
          ['$Class:Member', 'Member'], ['$KeyF:Member:mid:a', 'Member'], ['$KeyF:Member:mid:b', 'Member'],
          ['$KeyF:Member:mid:c', 'Member'], ['Member:a', 'Member'], ['Member:b', 'Member'], ['Member:c', 'Member'],
          ['$SortF:Member:score:x', 'Member'], ['$SortF:Member:score:y', 'Member'],
        ].map(([key, model]) => p + k(key!, model!))
          .concat([p + k(`$RelationshipF:Member:team:${k('Team:red', 'Team')}`, 'Member'), p + k(`$RelationshipF:Member:team:${k('Team:blue', 'Team')}`, 'Member')]),
      ),
    ); // prettier-ignore

    expect((await Member.query.filter({ league: 'x', score__gte: '2' })).map((m) => m.mid)).toEqual(['b']);
    expect((await Member.query.filter({ team: red, order_by: 'mid' })).map((m) => m.team.city)).toEqual([
      { latitude: expect.closeTo(48.85, 9) as number, longitude: 2.35 },
      { latitude: expect.closeTo(48.85, 9) as number, longitude: 2.35 },
    ]);
    expect(await Team.query.keys({ city: { latitude: 48.86, longitude: 2.35 }, city_radius: 2, city_radius_unit: 'km' })).toEqual([k('Team:red', 'Team')]); // prettier-ignore
    expect(await Member.query.all({ values: ['mid', 'team'], order_by: 'mid', limit: 2 })).toEqual([
      { mid: 'a', team: red },
      { mid: 'b', team: blue },
    ]);

    // A non-null Relationship whose record is gone is refused by name, not read as null.
    await blue.delete();
    await expect(Member.query.get({ mid: 'b' })).rejects.toThrow(ModelValidationError);
    await expect(Member.query.get({ mid: 'b' })).rejects.toThrow(
      /^Member\.team must be the key of a Team record that exists/,
    );
    for (const mid of ['a', 'b', 'c']) await new Member({ mid } as never).delete();
    await red.delete();
    expect(await scanAll(base, `${p}*`)).toEqual([]);
  });
});
