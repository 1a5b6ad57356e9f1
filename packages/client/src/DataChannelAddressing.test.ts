import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocateChannelId, plazaIndexOf, resolveRecipients, validateChannelId } from './DataChannelAddressing.js';

describe('DataChannel channel ids', () => {
  it('accepts 1–65535, maps 0 and absent to "allocate", rejects the rest with RangeError', () => {
    assert.equal(validateChannelId(1), 1);
    assert.equal(validateChannelId(65535), 65535);
    assert.equal(validateChannelId(0), 0);
    assert.equal(validateChannelId(undefined), 0);
    for (const bad of [-1, 65536, 1.5, Number.NaN, '7', true]) assert.throws(() => validateChannelId(bad), RangeError, String(bad));
  });

  it('allocates the lowest free id', () => {
    assert.equal(allocateChannelId(new Set()), 1);
    assert.equal(allocateChannelId(new Set([1, 2, 4])), 3);
    assert.equal(allocateChannelId(new Map([[2, 'x']])), 1);
    const all = { has: (id: number) => id >= 1 && id <= 65535 };
    assert.throws(() => allocateChannelId(all), RangeError);
    assert.equal(allocateChannelId({ has: (id: number) => id < 65535 }), 65535);
  });
});

describe('DataChannel recipients', () => {
  const indexes = new Map<string, number>([
    ['bob', 1],
    ['carol', 2],
    ['dave', 7],
  ]);
  const lookup = (name: string) => indexes.get(name);

  it('an empty list is everyone', () => {
    assert.equal(resolveRecipients([], lookup), 'everyone');
  });

  it('names resolve to room indexes, deduplicated, in list order; unknown ones are skipped', () => {
    assert.deepEqual(resolveRecipients(['dave', 'bob', 'gone', 'dave'], lookup), [7, 1]);
  });

  it('a list whose named participants are all gone is nobody, never everyone', () => {
    assert.equal(resolveRecipients(['gone', 'left'], lookup), 'nobody');
  });

  it('refuses more recipients than an envelope can name', () => {
    const many = Array.from({ length: 65 }, (_, i) => i);
    assert.throws(() => resolveRecipients(many, (i) => i), RangeError);
    assert.equal((resolveRecipients(many.slice(0, 64), (i) => i) as number[]).length, 64);
  });

  it('reads plaza_index as a u16 only', () => {
    assert.equal(plazaIndexOf(0), 0);
    assert.equal(plazaIndexOf(65535), 65535);
    for (const bad of [-1, 65536, 1.5, '3', null, undefined]) assert.equal(plazaIndexOf(bad), undefined);
  });
});
