// A stand-in for the native shell in tests: the app's commands answered from
// memory through `mockIPC`, every call recorded, runs driven by the test
// (which sends their batches through the run's channel, as the shell does),
// and `kernel-status` events emitted on demand.

import type { Channel } from '@tauri-apps/api/core';
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { ready } from '../setup/fixtures';
import type {
  CellEdit,
  CellUpdate,
  Completions,
  Help,
  ImageData,
  InterruptOutcome,
  NotebookDoc,
  NotebookItem,
  Report,
  DeskEvent,
  KernelDefaults,
  KernelView,
  Settings,
} from '../types';
import { failure } from './failure';

/** The shell's default settings (`sagedesk::workspace::Settings::default()`). */
export const defaultSettings: Settings = {
  image: null,
  memoryBytes: null,
  cpus: null,
  kernelsOffline: false,
  maxMessageBytes: 256 * 1024 ** 2,
  autosaveDelayMs: 2000,
  kernelsOnQuit: 'stop',
  spareKernel: true,
  kernelsKeptDays: 7,
  theme: 'system',
  fontSize: 16,
  recentWorkspaces: [],
  lastNotebook: null,
  version: 1,
};

export interface Call {
  command: string;
  args: Record<string, unknown>;
}

/** A cell run the shell was asked for; `send` delivers a batch through its channel. */
export interface FakeRun {
  path: string;
  cellId: string;
  code: string;
  send(batch: CellUpdate[]): void;
}

export interface FakeShellOptions {
  report?: Report;
  workspace?: string;
  docs?: NotebookDoc[];
  /** Answers `save_notebook` (default: saved); throw `{ code, message }` to fail it. */
  save?: (path: string, cells: CellEdit[], force: boolean) => { savedAt: string };
  interrupt?: InterruptOutcome;
  complete?: (code: string, cursorPos: number) => Completions;
  inspect?: (code: string, cursorPos: number) => Help;
  settings?: Partial<Settings>;
  /** What kernels get on this machine where a limit is left empty, as get_settings says. */
  kernelDefaults?: KernelDefaults;
  /** Why the saved settings could not be used, as get_settings says. */
  settingsWarning?: string;
  /** Answers `unqueue_cell` (default: it was waiting, and is taken out). */
  unqueue?: (cellId: string) => boolean;
  /** Answers `workspace_image` (default: not found); throw `{ code, message }` to fail it. */
  workspaceImage?: (path: string, src: string) => ImageData;
  /** Fails `open_workspace` with `{ code, message }` for these paths. */
  missingFolders?: string[];
}

interface Internals {
  runCallback(id: number, data: unknown): void;
}

export function fakeShell(options: FakeShellOptions = {}) {
  const calls: Call[] = [];
  const runs: FakeRun[] = [];
  const docs = new Map<string, NotebookDoc>((options.docs ?? []).map((doc) => [doc.path, structuredClone(doc)]));
  let nextId = 0;
  let settings: Settings = { ...defaultSettings, ...options.settings };
  const entries = (): NotebookItem[] =>
    [...docs.keys()].sort().map((path) => ({ name: path, path }));

  mockIPC(
    (command, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ command, args });
      switch (command) {
        case 'engine_status':
          return options.report ?? ready;
        case 'open_workspace': {
          const path = String(args.path);
          if (options.missingFolders?.includes(path)) {
            throw failure('workspace_missing', `${path} is not a folder`);
          }
          return { path: options.workspace ?? path, notebooks: entries() };
        }
        case 'check_kernel':
          return { version: 'passagemath version 10.8.13, Release Date: 2026-10-11', seconds: 3.9 };
        case 'get_settings':
          return { settings, warning: options.settingsWarning ?? null, defaults: options.kernelDefaults ?? null };
        case 'set_settings':
          settings = args.settings as Settings;
          return settings;
        case 'rename_notebook': {
          const from = String(args.from);
          const to = String(args.to);
          const doc = docs.get(from);
          if (!doc) throw failure('not_found', `there is no notebook "${from}" in the workspace`);
          if (docs.has(to)) throw failure('already_exists', `"${to}" already exists in the workspace`);
          docs.delete(from);
          docs.set(to, { ...doc, path: to });
          return { name: to.replace(/\.ipynb$/, ''), path: to };
        }
        case 'delete_notebook': {
          const path = String(args.path);
          docs.delete(path);
          return { trashedTo: `.trash/${path}` };
        }
        case 'list_notebooks':
          return entries();
        case 'create_notebook': {
          const name = String(args.name);
          const path = name.endsWith('.ipynb') ? name : `${name}.ipynb`;
          if (docs.has(path)) throw failure('already_exists', `"${path}" already exists in the workspace`);
          nextId += 1;
          docs.set(path, {
            path,
            cells: [{ id: `new${nextId}`, cellType: 'code', source: '', outputs: [], executionCount: null }],
          });
          return { name: path, path };
        }
        case 'open_notebook':
        case 'reload_notebook': {
          const doc = docs.get(String(args.path));
          if (!doc) throw failure('not_found', `there is no notebook "${String(args.path)}" in the workspace`);
          return structuredClone(doc);
        }
        case 'save_notebook': {
          const path = String(args.path);
          const cells = args.cells as CellEdit[];
          const answer = options.save?.(path, cells, args.force === true) ?? { savedAt: '2025-01-31T10:15:00.000Z' };
          const doc = docs.get(path);
          if (doc) {
            const before = new Map(doc.cells.map((cell) => [cell.id, cell]));
            doc.cells = cells.map((cell) => ({
              ...cell,
              outputs: before.get(cell.id)?.outputs ?? [],
              executionCount: before.get(cell.id)?.executionCount ?? null,
            }));
          }
          return answer;
        }
        case 'execute_cell': {
          const channel = args.onUpdate as Channel<CellUpdate[]>;
          let index = 0;
          runs.push({
            path: String(args.path),
            cellId: String(args.cellId),
            code: String(args.code),
            send(batch) {
              const internals = (window as unknown as { __TAURI_INTERNALS__: Internals }).__TAURI_INTERNALS__;
              internals.runCallback(channel.id, { message: batch, index });
              index += 1;
            },
          });
          return null;
        }
        case 'open_whole_output':
        case 'open_output_pdf':
        case 'follow_widgets':
          return null;
        case 'comm_info':
          return {};
        case 'send_comm':
          return (args.message as { msgId?: string }).msgId ?? 'msg';
        case 'workspace_image':
          if (!options.workspaceImage) throw failure('not_found', `there is no "${String(args.src)}"`);
          return options.workspaceImage(String(args.path), String(args.src));
        case 'open_link':
          return null;
        case 'unqueue_cell':
          return options.unqueue?.(String(args.cellId)) ?? true;
        case 'copy_cells':
          return (args.ids as string[]).length;
        case 'clear_outputs': {
          const doc = docs.get(String(args.path));
          const ids = args.ids as string[];
          for (const cell of doc?.cells ?? []) {
            if (ids.includes(cell.id)) Object.assign(cell, { outputs: [], executionCount: null, times: undefined });
          }
          return { savedAt: '2025-01-31T10:15:00.000Z' };
        }
        case 'interrupt_kernel':
          return options.interrupt ?? 'interrupted';
        case 'restart_kernel':
        case 'input_reply':
          return null;
        case 'complete':
          return options.complete?.(String(args.code), Number(args.cursorPos)) ?? { matches: [], cursor_start: 0, cursor_end: 0 };
        case 'inspect':
          return options.inspect?.(String(args.code), Number(args.cursorPos)) ?? { found: false, data: {} };
      }
      throw new Error(`the fake shell has no command ${command}`);
    },
    { shouldMockEvents: true },
  );

  return {
    calls,
    runs,
    docs,
    /** The settings as the shell keeps them now. */
    get settings() {
      return settings;
    },
    /** The calls of one command, their arguments in order. */
    callsOf(command: string): Array<Record<string, unknown>> {
      return calls.filter((call) => call.command === command).map((call) => call.args);
    },
    /** Emits a `kernelStatus` event, as the shell does when a kernel's state changes. */
    kernelStatus(path: string, kernel: KernelView): Promise<void> {
      const event: DeskEvent = { kind: 'kernelStatus', path, ...kernel };
      return emit('app-event', event);
    },
    /** Emits a `notebookMoved` event, as the shell does when it keeps a notebook aside. */
    notebookMoved(from: string, to: string, why: string): Promise<void> {
      const event: DeskEvent = { kind: 'notebookMoved', from, to, why };
      return emit('app-event', event);
    },
    /** Emits an `engine` event, as the shell does when the engine's state changes. */
    engineState(report: Report): Promise<void> {
      const event: DeskEvent = { kind: 'engine', report };
      return emit('app-event', event);
    },
  };
}
