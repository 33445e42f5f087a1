// Goal: the scenario editor lists each validator problem with the line of the text it points to.
// Method: write scenario texts with known line numbers, break them in known places, and check the
// line each problem is given; paths with Kafka's dotted config names, list items, missing keys
// (the enclosing object's line, marked inexact) and syntax errors included.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lineOfPath, scanJsonLines } from '../../src/ui/json-lines';
import { problemsOfScenarioText, freePlayScenarioText } from '../../src/ui/scenario-text';

/** The 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" is not in the text`);
  return index + 1;
}

const text = `{
  "name": "x",
  "cluster": {
    "config": { "min.insync.replicas": 2,
      "min": 1 }
  },
  "timeline": [
    { "at": "1s", "caption": "a" },
    {
      "at": "2s",
      "action": { "kind": "crash", "process": "broker-9" }
    }
  ]
}`;

describe('a validator path to a line', () => {
  it('follows keys and list items to the line naming the value', () => {
    expect(lineOfPath(text, '(root)')).toEqual({ line: 1, exact: true });
    expect(lineOfPath(text, 'name')).toEqual({ line: 2, exact: true });
    expect(lineOfPath(text, 'timeline[0].caption')).toEqual({ line: 8, exact: true });
    expect(lineOfPath(text, 'timeline[1]')).toEqual({ line: 9, exact: true });
    expect(lineOfPath(text, 'timeline[1].action.process')).toEqual({ line: 11, exact: true });
  });

  it('reads a Kafka config name with dots of its own as one key, preferring the longest that fits', () => {
    expect(lineOfPath(text, 'cluster.config.min.insync.replicas')).toEqual({ line: 4, exact: true });
    expect(lineOfPath(text, 'cluster.config.min')).toEqual({ line: 5, exact: true });
  });

  it('points a missing key or item at the enclosing value, marked inexact', () => {
    expect(lineOfPath(text, 'duration')).toEqual({ line: 1, exact: false });
    expect(lineOfPath(text, 'timeline[5].at')).toEqual({ line: 7, exact: false });
    expect(lineOfPath(text, 'timeline[1].action.to')).toEqual({ line: 11, exact: false });
  });

  it('gives nothing for a text that does not scan, rather than a wrong line', () => {
    expect(scanJsonLines('{"a": ')).toBeNull();
    expect(lineOfPath('{"a": ', 'a')).toBeNull();
  });
});

describe("the editor's problems, each with its line", () => {
  const lesson = readFileSync('public/scenarios/broker-crash.json', 'utf8');

  it('a library lesson and the free-play template have none', () => {
    expect(problemsOfScenarioText(lesson)).toEqual([]);
    expect(problemsOfScenarioText(freePlayScenarioText(7))).toEqual([]);
  });

  it('an unknown process in a step is named by path and placed on its line', () => {
    const broken = lesson.replace('"process": "broker-3" },\n      "caption": "broker-3 crashed.', '"process": "broker-33" },\n      "caption": "broker-3 crashed.');
    expect(broken).not.toBe(lesson);
    const problems = problemsOfScenarioText(broken);
    expect(problems).toEqual([
      { path: 'timeline[1].action.process', message: expect.stringContaining('no process "broker-33"'), line: lineOf(broken, 'broker-33'), exact: true },
    ]);
  });

  it('a bad duration and a missing name: two problems, the missing one at the top object', () => {
    const broken = lesson.replace('"duration": "30s"', '"duration": "thirty"').replace('"name": "A broker crashes and comes back",', '');
    const problems = problemsOfScenarioText(broken);
    expect(problems.map((problem) => [problem.path, problem.line, problem.exact])).toEqual(
      expect.arrayContaining([
        ['duration', lineOf(broken, '"thirty"'), true],
        ['name', 1, false],
      ]),
    );
  });

  it('a syntax error is placed by the parser on its own line', () => {
    const broken = lesson.replace('"seed": 3,', '"seed": 3,,');
    const [problem] = problemsOfScenarioText(broken);
    expect(problem).toMatchObject({ line: lineOf(broken, '"seed": 3,,'), exact: true, message: expect.stringContaining('not valid JSON') });
  });
});
