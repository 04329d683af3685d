// Runs as a cell's listener receives them (kernel/fixtures/run-*.ts), each
// with the outputs it must end with. Every file `satisfies` its type, which
// is generated from the Rust one, so `npm run check` fails when a sample no
// longer has the shape the shell sends.

import type { CellUpdate, Output } from '../types';

/** A cell's run: the batches its channel delivered, and the outputs they leave. */
export interface RunFixture {
  description: string;
  batches: CellUpdate[][];
  outputs: Output[];
}

const files = import.meta.glob<RunFixture>('./fixtures/run-*.ts', { eager: true, import: 'default' });

/** Every run fixture, by file name without its extension (`run-factor`). */
export const runs: Record<string, RunFixture> = Object.fromEntries(
  Object.entries(files).map(([path, value]) => [path.replace(/^.*\/(.*)\.ts$/, '$1'), value]),
);

/** A run fixture by name; throws when it is missing, so a renamed file fails loudly. */
export function run(name: string): RunFixture {
  const found = runs[name];
  if (!found) throw new Error(`no fixture ${name}.ts in lib/kernel/fixtures`);
  return structuredClone(found);
}
