// Every call from the UI into the native shell goes through this module, so
// that components never import @tauri-apps/api themselves and tests can stand
// in for the shell with `mockIPC` from @tauri-apps/api/mocks.

import { Channel, invoke, type InvokeArgs } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  DeskEvent,
  ErrorBody,
  ErrorCode,
  ExportFormat,
  BuildEvent,
  CellEdit,
  CellUpdate,
  Completions,
  ImageData,
  ImageInfo,
  Help,
  InterruptOutcome,
  KernelCheck,
  PullProgress,
  NotebookDoc,
  NotebookItem,
  Report,
  Saved,
  Settings,
  SettingsView,
  Trashed,
  WorkspaceInfo,
  WidgetEvent,
  CommWire,
} from './types';

/** What a failure is: the core's `ErrorCode`, or `ipc` when the call never reached a command. */
export type FailureCode = ErrorCode | 'ipc';

/**
 * A failed command, as the shell reports it: `code` is stable and meant for
 * branching, `message` says what went wrong and `fix` what to do about it
 * (null when trying again is all there is), both for people.
 */
export class BackendError extends Error {
  readonly code: FailureCode;
  readonly fix: string | null;

  constructor(code: FailureCode, message: string, fix: string | null = null) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
    this.fix = fix;
  }
}

/**
 * The shell's commands reject with an `ErrorBody` (`{ code, message, fix }`);
 * the IPC layer itself (a command missing or refused by the capabilities)
 * rejects with a string.
 */
export function toBackendError(reason: unknown): BackendError {
  if (reason instanceof BackendError) return reason;
  if (typeof reason === 'object' && reason !== null) {
    const { code, message, fix } = reason as Partial<ErrorBody>;
    if (typeof code === 'string' && typeof message === 'string') {
      return new BackendError(code, message, typeof fix === 'string' ? fix : null);
    }
  }
  if (reason instanceof Error) return new BackendError('ipc', reason.message);
  return new BackendError('ipc', String(reason));
}

/** What went wrong and, when there is one, what to do about it: one text for people. */
export function explain(reason: unknown): string {
  const error = toBackendError(reason);
  if (!error.fix) return error.message;
  return `${error.message.replace(/([^.!?])$/, '$1.')} ${error.fix}`;
}

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toBackendError(reason);
  }
}

/** Where the container engine is and whether the SageMath image is on it. */
export function engineStatus(): Promise<Report> {
  return call<Report>('engine_status');
}

/**
 * Sets the SageMath image up unless it is already there: builds this
 * version's image (`onProgress` gets each step and output line, in order,
 * from the shell's `setup` events), or pulls the one the image setting names
 * (`onPull` gets its bytes and layers from `pull` events). Codes include
 * `base_image_unavailable`, `image_build_failed`, `engine_not_running`,
 * `engine_stalled`, `engine_api` (a pull refused).
 */
export async function prepareImage(
  onProgress: (event: BuildEvent) => void,
  onPull: (progress: PullProgress) => void = () => {},
): Promise<ImageInfo> {
  const stop = await onAppEvent((event) => {
    if (event.kind === 'setup') onProgress(event.event);
    else if (event.kind === 'pull') onPull(event.progress);
  });
  try {
    return await call<ImageInfo>('prepare_image');
  } finally {
    stop();
  }
}

/**
 * Starts a kernel of the image once, asks it for Sage's version and stops it:
 * the setup's last step. Codes include `kernel_dead`, `timeout`, `image_missing`.
 */
export function checkKernel(): Promise<KernelCheck> {
  return call<KernelCheck>('check_kernel');
}

/** Opens (creating it if needed) the folder `path` as the workspace. */
export function openWorkspace(path: string): Promise<WorkspaceInfo> {
  return call<WorkspaceInfo>('open_workspace', { path });
}

/** The notebooks of the open workspace. */
export function listNotebooks(): Promise<NotebookItem[]> {
  return call<NotebookItem[]>('list_notebooks');
}

/** Creates a new notebook (`.ipynb` is added when missing); code `already_exists` when taken. */
export function createNotebook(name: string): Promise<NotebookItem> {
  return call<NotebookItem>('create_notebook', { name });
}

/**
 * Renames (or moves into a folder) a notebook, never over another file (code
 * `already_exists`); names leaving the workspace are refused. An open notebook
 * keeps its kernel.
 */
export function renameNotebook(from: string, to: string): Promise<NotebookItem> {
  return call<NotebookItem>('rename_notebook', { from, to });
}

/** Moves a notebook to the workspace's `.trash` folder; its kernel is stopped. */
export function deleteNotebook(path: string): Promise<Trashed> {
  return call<Trashed>('delete_notebook', { path });
}

/** The settings, and why the saved ones could not be used if they could not. */
export function getSettings(): Promise<SettingsView> {
  return call<SettingsView>('get_settings');
}

/** Saves the settings; new kernels use them. Resolves to what was saved. */
export function setSettings(settings: Settings): Promise<Settings> {
  return call<Settings>('set_settings', { settings });
}

/**
 * Opens a notebook of the workspace (its kernel starts warming). A notebook
 * open already is not read again: its cells come as the shell has them.
 */
export function openNotebook(path: string): Promise<NotebookDoc> {
  return call<NotebookDoc>('open_notebook', { path });
}

/** Reads an open notebook from its file again (it changed on disk); its kernel stays. */
export function reloadNotebook(path: string): Promise<NotebookDoc> {
  return call<NotebookDoc>('reload_notebook', { path });
}

/**
 * Saves the cells' sources and order; the shell keeps the outputs it owns.
 * Code `notebook_conflict`: the file changed on disk since it was read; `force` saves
 * over it.
 */
/**
 * Saves the window's cells into the notebook; `widgets`, when given, is the
 * widget state (ipywidgets' format) kept in its metadata.
 */
export function saveNotebook(path: string, cells: CellEdit[], force = false, widgets?: WidgetState): Promise<Saved> {
  return call<Saved>('save_notebook', widgets ? { path, cells, force, widgets } : { path, cells, force });
}

/** ipywidgets' state format (version 2): each model's name, module and state. */
export interface WidgetState {
  version_major: number;
  version_minor: number;
  state: Record<string, { model_name: string; model_module: string; model_module_version?: string; state: Record<string, unknown> }>;
}

/**
 * Runs a cell: `onBatch` gets each batch of its updates, in order, until
 * `finished` or `kernelDied`.
 */
export function executeCell(
  path: string,
  cellId: string,
  code: string,
  onBatch: (batch: CellUpdate[]) => void,
): Promise<void> {
  const onUpdate = new Channel<CellUpdate[]>(onBatch);
  return call<void>('execute_cell', { path, cellId, code, onUpdate });
}

/**
 * Opens everything the cell printed in its last run (kept when its outputs
 * leave lines out) in the system's viewer. Code `no_whole_output` when it is
 * not kept any more.
 */
export function openWholeOutput(path: string, cellId: string): Promise<void> {
  return call<void>('open_whole_output', { path, cellId });
}

/** Opens the PDF an output holds (its base64 data) in the system's viewer. */
export function openOutputPdf(data: string): Promise<void> {
  return call<void>('open_output_pdf', { data });
}

/** Writes the PDF an output holds (its base64 data) at `destination` (a path the person chose). */
export function saveOutputPdf(data: string, destination: string): Promise<void> {
  return call<void>('save_output_pdf', { data, destination });
}

/** Writes the notebook exported to `format` at `destination` (a path the person chose). */
export function exportNotebook(path: string, format: ExportFormat, destination: string): Promise<void> {
  return call<void>('export_notebook', { path, format, destination });
}

/** Prints the window, as it shows the notebook, to a PDF file at `destination` (no dialog). */
export function printToPdf(destination: string): Promise<void> {
  return call<void>('print_to_pdf', { destination });
}

/** Saves a checkpoint of the notebook as its file is now; resolves to when (RFC 3339). */
export function saveCheckpoint(path: string): Promise<string> {
  return call<string>('save_checkpoint', { path });
}

/** When the notebook's checkpoint was saved, or null when it has none. */
export function checkpoint(path: string): Promise<string | null> {
  return call<string | null>('checkpoint', { path });
}

/** Puts the notebook's checkpoint back; resolves to the notebook as it now is. */
export function revertToCheckpoint(path: string): Promise<NotebookDoc> {
  return call<NotebookDoc>('revert_to_checkpoint', { path });
}

/** An image the markdown of the notebook `path` names by `src`, a path relative to it (percent-decoded). */
export function workspaceImage(path: string, src: string): Promise<ImageData> {
  return call<ImageData>('workspace_image', { path, src });
}

/** Opens a web address (http, https or mailto only) in the system's browser or mail program. */
export function openLink(url: string): Promise<void> {
  return call<void>('open_link', { url });
}

/** Opens a page of Sage's documentation in the system's browser. */
export function openHelp(topic: 'tutorial' | 'reference'): Promise<void> {
  return call<void>('open_help', { topic });
}

/** Takes a cell out of its kernel's queue; false when it was not waiting there. */
export function unqueueCell(path: string, cellId: string): Promise<boolean> {
  return call<boolean>('unqueue_cell', { path, cellId });
}

/** Copies cells, whole (outputs and all), for a paste in any notebook (`copyOf`). */
export function copyCells(path: string, ids: string[]): Promise<number> {
  return call<number>('copy_cells', { path, ids });
}

/** Clears the outputs, counts and run times of cells, and saves the notebook. */
export function clearOutputs(path: string, ids: string[]): Promise<Saved> {
  return call<Saved>('clear_outputs', { path, ids });
}

export function interruptKernel(path: string): Promise<InterruptOutcome> {
  return call<InterruptOutcome>('interrupt_kernel', { path });
}

/** Replaces the notebook's kernel with a new one (variables are lost). */
export function restartKernel(path: string): Promise<void> {
  return call<void>('restart_kernel', { path });
}

/** Answers the notebook's pending `input()`. */
export function inputReply(path: string, value: string): Promise<void> {
  return call<void>('input_reply', { path, value });
}

/** Completions at `cursorPos` (in Unicode code points, as Jupyter counts). */
export function complete(path: string, code: string, cursorPos: number): Promise<Completions> {
  return call<Completions>('complete', { path, code, cursorPos });
}

/** Help on the name at `cursorPos` (in Unicode code points). */
export function inspect(path: string, code: string, cursorPos: number): Promise<Help> {
  return call<Help>('inspect', { path, code, cursorPos });
}

/** The shell's events (`app-event`): kernel states, setup progress, the engine's state. */
export const APP_EVENT = 'app-event';

/**
 * Sends what the notebook's kernel says to its widgets to `onBatch`, from
 * now until the notebook closes or another call takes its place.
 */
export function followWidgets(path: string, onBatch: (batch: WidgetEvent[]) => void): Promise<void> {
  const onEvent = new Channel<WidgetEvent[]>(onBatch);
  return call<void>('follow_widgets', { path, onEvent });
}

/** A widget's comm message to the notebook's kernel; resolves to its message id. */
export function sendComm(path: string, message: CommWire): Promise<string> {
  return call<string>('send_comm', { path, message });
}

/** The kernel's open comms of `targetName` (or all): comm id → target. */
export function commInfo(path: string, targetName?: string): Promise<Record<string, string>> {
  return call<Record<string, string>>('comm_info', { path, targetName: targetName ?? null });
}

/** Calls `handler` with every event of the shell; resolves to the way to stop. */
export function onAppEvent(handler: (event: DeskEvent) => void): Promise<UnlistenFn> {
  return listen<DeskEvent>(APP_EVENT, (event) => handler(event.payload));
}

/** The commands a notebook uses: what its model takes, so tests can hand it fakes. */
export interface NotebookBackend {
  saveNotebook: typeof saveNotebook;
  openNotebook: typeof openNotebook;
  reloadNotebook: typeof reloadNotebook;
  executeCell: typeof executeCell;
  openWholeOutput: typeof openWholeOutput;
  unqueueCell: typeof unqueueCell;
  exportNotebook: typeof exportNotebook;
  saveCheckpoint: typeof saveCheckpoint;
  revertToCheckpoint: typeof revertToCheckpoint;
  printToPdf: typeof printToPdf;
  copyCells: typeof copyCells;
  clearOutputs: typeof clearOutputs;
  interruptKernel: typeof interruptKernel;
  restartKernel: typeof restartKernel;
  inputReply: typeof inputReply;
  complete: typeof complete;
  inspect: typeof inspect;
  followWidgets: typeof followWidgets;
  sendComm: typeof sendComm;
  commInfo: typeof commInfo;
}

export const notebookBackend: NotebookBackend = {
  saveNotebook,
  openNotebook,
  reloadNotebook,
  executeCell,
  openWholeOutput,
  unqueueCell,
  exportNotebook,
  printToPdf,
  saveCheckpoint,
  revertToCheckpoint,
  copyCells,
  clearOutputs,
  interruptKernel,
  restartKernel,
  inputReply,
  complete,
  inspect,
  followWidgets,
  sendComm,
  commInfo,
};
