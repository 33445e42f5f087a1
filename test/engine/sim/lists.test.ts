import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { emptyList, listHas, objectList } from '../../../src/engine/sim/lists';

// V8's own answer about an array's elements kind: natives syntax, allowed for functions compiled after the flag is set.
setFlagsFromString('--allow-natives-syntax');
const hasObjectElements = new Function('list', 'return %HasObjectElements(list)') as (list: unknown[]) => boolean;
const hasSmiElements = new Function('list', 'return %HasSmiElements(list)') as (list: unknown[]) => boolean;

describe('lists', () => {
  it('objectList is a new empty list already of the objects elements kind, where [] starts as small integers', () => {
    const list = objectList<{ n: number }>();
    expect(list).toEqual([]);
    expect(hasObjectElements(list)).toBe(true);
    expect(hasSmiElements([])).toBe(true); // what objectList avoids: a push site seeing both kinds calls the generic builtin
    expect(objectList()).not.toBe(list);
    list.push({ n: 1 }, { n: 2 });
    expect(list.map((item) => item.n)).toEqual([1, 2]);
    expect(hasObjectElements(list)).toBe(true);
  });

  it('emptyList empties in place; listHas finds by identity', () => {
    const a = { n: 1 };
    const list = [a, { n: 2 }];
    expect(listHas(list, a)).toBe(true);
    expect(listHas(list, { n: 1 })).toBe(false);
    emptyList(list);
    expect(list).toEqual([]);
  });
});
