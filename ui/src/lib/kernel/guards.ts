// Checks that a JSON value has the shape of a contract type, field by field
// and tag by tag. TypeScript cannot check a JSON file against a tagged union
// (it reads `"kind": "clear"` as a string), so the fixtures the Rust side
// writes are checked with these instead (kernel/contract.test.ts); each
// returns the problems it found, none when the value fits.

type Json = Record<string, unknown>;
type Check = (value: unknown, at: string) => string[];

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const string: Check = (v, at) => (typeof v === 'string' ? [] : [`${at}: expected a string`]);
const boolean: Check = (v, at) => (typeof v === 'boolean' ? [] : [`${at}: expected a boolean`]);
const count: Check = (v, at) =>
  Number.isInteger(v) && (v as number) >= 0 ? [] : [`${at}: expected a whole number ≥ 0`];
const integer: Check = (v, at) => (Number.isInteger(v) ? [] : [`${at}: expected a whole number`]);
const nullable =
  (check: Check): Check =>
  (v, at) =>
    v === null ? [] : check(v, at);
const arrayOf =
  (check: Check): Check =>
  (v, at) =>
    Array.isArray(v) ? v.flatMap((item, i) => check(item, `${at}[${i}]`)) : [`${at}: expected an array`];
const object: Check = (v, at) => (isObject(v) ? [] : [`${at}: expected an object`]);
const oneOf =
  (...words: string[]): Check =>
  (v, at) =>
    typeof v === 'string' && words.includes(v) ? [] : [`${at}: expected one of ${words.join(', ')}`];

/** An object with exactly these fields (optional ones may be missing, never null). */
function record(fields: Record<string, Check>, optional: Record<string, Check> = {}): Check {
  return (v, at) => {
    if (!isObject(v)) return [`${at}: expected an object`];
    const problems: string[] = [];
    for (const [name, check] of Object.entries(fields)) {
      if (!(name in v)) problems.push(`${at}.${name}: missing`);
      else problems.push(...check(v[name], `${at}.${name}`));
    }
    for (const [name, check] of Object.entries(optional)) {
      if (name in v) problems.push(...check(v[name], `${at}.${name}`));
    }
    for (const name of Object.keys(v)) {
      if (!(name in fields) && !(name in optional)) problems.push(`${at}.${name}: not in the type`);
    }
    return problems;
  };
}

/** A tagged union: `tag` picks the variant, whose other fields are checked by `record`. */
function tagged(tag: string, variants: Record<string, Record<string, Check>>, optional: Record<string, Record<string, Check>> = {}): Check {
  return (v, at) => {
    if (!isObject(v)) return [`${at}: expected an object`];
    const name = v[tag];
    if (typeof name !== 'string' || !(name in variants)) {
      return [`${at}.${tag}: expected one of ${Object.keys(variants).join(', ')}, got ${JSON.stringify(name)}`];
    }
    return record({ [tag]: string, ...variants[name] }, optional[name])(v, at);
  };
}

const streamTail = record({ omitted_lines: count, omitted_bytes: count, text: string });

export const checkOutput: Check = tagged(
  'output_type',
  {
    stream: { name: string, text: string },
    display_data: { data: object, metadata: object },
    execute_result: { execution_count: count, data: object, metadata: object },
    error: { ename: string, evalue: string, traceback: arrayOf(string) },
  },
  { stream: { tail: streamTail } },
);

export const checkOutputUpdate: Check = tagged('kind', {
  clear: {},
  insert: { index: count, output: checkOutput },
  replace: { index: count, output: checkOutput },
  remove: { index: count, count },
  appendText: { index: count, text: string },
  rewriteLine: { index: count, text: string },
  trimText: { index: count, lines: count, omitted_lines: count, omitted_bytes: count },
});

export const checkDeathReason: Check = tagged('kind', {
  crashed: { exit_code: integer },
  killed: { signal: integer },
  outOfMemory: { limit_bytes: integer },
  engineGone: { message: string },
  startTimedOut: { after_secs: count },
  startFailed: { message: string },
  gaveUp: { restarts: count },
  stopped: {},
});

export const checkCellUpdate: Check = tagged('kind', {
  started: {},
  outputs: { updates: arrayOf(checkOutputUpdate) },
  inputRequest: { prompt: string, password: boolean },
  finished: { status: oneOf('ok', 'error', 'aborted'), execution_count: nullable(count) },
  kernelDied: { reason: checkDeathReason, message: string },
});

export const checkSessionState: Check = tagged('state', {
  starting: {},
  idle: {},
  busy: {},
  restarting: { reason: checkDeathReason },
  dead: { reason: checkDeathReason },
});

export const checkInterruptOutcome: Check = oneOf('nothingRunning', 'interrupted', 'signalled', 'needsRestart');

export const checkKernelStatusEvent: Check = record({ path: string, state: checkSessionState });

export const checkNotebookEntry: Check = record({ name: string, path: string });

export const checkWorkspaceInfo: Check = record({ path: string, notebooks: arrayOf(checkNotebookEntry) });

export const checkNotebookDoc: Check = record({
  path: string,
  cells: arrayOf(
    record({
      id: string,
      cellType: oneOf('code', 'markdown', 'raw'),
      source: string,
      outputs: arrayOf(checkOutput),
      executionCount: nullable(count),
    }),
  ),
});

export const checkCompleteReply: Check = record({
  matches: arrayOf(string),
  cursor_start: count,
  cursor_end: count,
});

export const checkInspectReply: Check = record({ found: boolean, data: object });

export const checkSaveResult: Check = record({ savedAt: string });

/** A run as a listener receives it, and the outputs it must end with (kernel/fixtures/run-*.json). */
export const checkRunFixture: Check = record({
  description: string,
  batches: arrayOf(arrayOf(checkCellUpdate)),
  outputs: arrayOf(checkOutput),
});
