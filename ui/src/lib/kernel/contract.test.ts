// Every fixture the shell's serialisation is pinned by (lib/**/fixtures) has
// the shape lib/types.ts gives it.

import { describe, expect, it } from 'vitest';
import * as guards from './guards';

type Guard = (value: unknown, at: string) => string[];

const fixtures = {
  ...import.meta.glob<unknown>('./fixtures/*.json', { eager: true, import: 'default' }),
  ...import.meta.glob<unknown>('../notebook/fixtures/*.json', { eager: true, import: 'default' }),
};

const arrayOf =
  (check: Guard): Guard =>
  (value, at) =>
    Array.isArray(value) ? value.flatMap((item, i) => check(item, `${at}[${i}]`)) : [`${at}: expected an array`];

/** Which type each file holds. */
const typeOf: Array<[RegExp, Guard]> = [
  [/kernel\/fixtures\/run-[^/]*\.json$/, guards.checkRunFixture],
  [/kernel\/fixtures\/session-states\.json$/, arrayOf(guards.checkSessionState)],
  [/kernel\/fixtures\/kernel-status-event\.json$/, guards.checkKernelStatusEvent],
  [/kernel\/fixtures\/interrupt-outcomes\.json$/, arrayOf(guards.checkInterruptOutcome)],
  [/kernel\/fixtures\/complete\.json$/, guards.checkCompleteReply],
  [/kernel\/fixtures\/inspect\.json$/, guards.checkInspectReply],
  [/notebook\/fixtures\/workspace\.json$/, guards.checkWorkspaceInfo],
  [/notebook\/fixtures\/notebook-entry\.json$/, guards.checkNotebookEntry],
  [/notebook\/fixtures\/notebook-doc\.json$/, guards.checkNotebookDoc],
  [/notebook\/fixtures\/save-result\.json$/, guards.checkSaveResult],
];

const kernelAndNotebook = Object.entries(fixtures).map(([path, value]): [string, unknown] => [
  path.replace(/^\.\//, 'kernel/').replace(/^\.\.\//, ''),
  value,
]);

describe('fixtures', () => {
  it('are all known to this test', () => {
    const unknown = kernelAndNotebook.map(([path]) => path).filter((path) => !typeOf.some(([re]) => re.test(path)));
    expect(unknown).toEqual([]);
    const unused = typeOf.filter(([re]) => !kernelAndNotebook.some(([path]) => re.test(path)));
    expect(unused.map(([re]) => String(re))).toEqual([]);
  });

  it.each(kernelAndNotebook)('%s fits its type', (path, value) => {
    const [, check] = typeOf.find(([re]) => re.test(path))!;
    expect(check(value, path.replace(/^.*fixtures\//, ''))).toEqual([]);
  });
});

describe('guards', () => {
  it('name what does not fit', () => {
    expect(guards.checkOutputUpdate({ kind: 'append_text', index: 0, text: 'x' }, 'u')).toEqual([
      'u.kind: expected one of clear, insert, replace, remove, appendText, rewriteLine, trimText, got "append_text"',
    ]);
    expect(guards.checkOutputUpdate({ kind: 'trimText', index: 0, lines: 1, omittedLines: 1, omitted_bytes: 1 }, 'u')).toEqual([
      'u.omitted_lines: missing',
      'u.omittedLines: not in the type',
    ]);
    expect(guards.checkOutput({ output_type: 'stream', name: 'stdout', text: 'a', tail: null }, 'o')).toEqual([
      'o.tail: expected an object',
    ]);
    expect(guards.checkCellUpdate({ kind: 'finished', status: 'Ok', execution_count: null }, 'c')).toEqual([
      'c.status: expected one of ok, error, aborted',
    ]);
  });
});
