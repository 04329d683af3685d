// Runs as a cell's listener receives them (kernel/fixtures/run-*.ts), each
// with the outputs it must end with. Every file `satisfies` its type, which
// is generated from the Rust one, so `npm run check` fails when a sample no
// longer has the shape the shell sends.

import type { CellUpdate, KernelStatus, KernelView, Output, SessionState } from '../types';
import kernelEventsJson from './fixtures/kernel-events.json';

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

/**
 * Kernel-status events as the desk sends them, by name (`idle`, `busy`,
 * `dead-out-of-memory`, …): written and checked by
 * src-tauri/tests/ipc_contract.rs, so the word and the line are the core's.
 */
const kernelEvents: Record<string, { state: unknown; status: string; detail: string; dropped_messages: number }> =
  kernelEventsJson;

/** The kernel view of a sample event; throws when there is none of that name. */
export function kernelView(name: string): KernelView {
  const event = kernelEvents[name];
  if (!event) throw new Error(`no kernel event ${name} in lib/kernel/fixtures/kernel-events.json`);
  return {
    state: event.state as SessionState,
    status: event.status as KernelStatus,
    detail: event.detail,
    dropped_messages: event.dropped_messages,
  };
}
