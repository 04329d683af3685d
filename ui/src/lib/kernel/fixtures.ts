// Sample values as the shell serialises them (kernel/fixtures/*.json). The
// run-*.json files are runs as a listener receives them, each with the
// outputs it must end with; contract.test.ts checks every file against the
// types with the guards of guards.ts, so these casts are checked too.

import type { CellUpdate, Output } from '../types';

/** A cell's run: the batches its channel delivered, and the outputs they leave. */
export interface RunFixture {
  description: string;
  batches: CellUpdate[][];
  outputs: Output[];
}

const files = import.meta.glob<unknown>('./fixtures/run-*.json', { eager: true, import: 'default' });

/** Every run fixture, by file name without its extension (`run-factor`). */
export const runs: Record<string, RunFixture> = Object.fromEntries(
  Object.entries(files).map(([path, value]) => [path.replace(/^.*\/(.*)\.json$/, '$1'), value as RunFixture]),
);

/** A run fixture by name; throws when it is missing, so a renamed file fails loudly. */
export function run(name: string): RunFixture {
  const found = runs[name];
  if (!found) throw new Error(`no fixture ${name}.json in lib/kernel/fixtures`);
  return structuredClone(found);
}
