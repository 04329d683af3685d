// Values the shell returns, as serde serialises them (camelCase fields,
// `null` for Rust's `None`).
//
// The Rust side writes its serialisation of sample values to
// lib/setup/fixtures/*.json (src-tauri/tests/ipc_contract.rs fails when those
// files are stale) and lib/setup/fixtures.ts assigns them to these types, so
// `npm run check` fails when a field here no longer matches the Rust one.
// Tagged unions cannot be checked that way (TypeScript reads a JSON tag as a
// plain string): the samples in lib/kernel/fixtures and lib/notebook/fixtures
// are checked against these types by lib/kernel/contract.test.ts instead.

/** `sagedesk::doctor::Report`: the engine, the SageMath image, or what is wrong. */
export interface Report {
  engine: EngineInfo | null;
  problem: Problem | null;
  image: ImageInfo | null;
  /** The image the app would use, whether it is there or not. */
  imageTag: string;
}

/** `sagedesk::engine::EngineInfo`: the container engine that answered. */
export interface EngineInfo {
  /** The address it was reached at, e.g. `unix:///var/run/docker.sock`. */
  endpoint: string;
  /** Why that address was tried: the setting, DOCKER_HOST, a context, a usual place. */
  source: string;
  /** "Docker Engine", "Podman Engine", … */
  name: string;
  version: string;
  /** The API version in use after negotiation. */
  apiVersion: string;
  os: string;
  arch: string;
}

/** `sagedesk::doctor::Problem`: why SageDesk cannot run notebooks yet. */
export interface Problem {
  code: string;
  message: string;
  fix: string;
  /** What was tried before giving up (endpoints, commands). */
  tried: string[];
}

/** `sagedesk::engine::ImageInfo`: the SageMath image found on the engine. */
export interface ImageInfo {
  tag: string;
  id: string;
  sizeBytes: number;
  /** From the image's `org.sagedesk.image` label. */
  sageVersion: string | null;
  /** The kernel's argv from the image's `org.sagedesk.kernel` label. */
  kernelArgv: string[] | null;
}

/**
 * `sagedesk::engine::BuildEvent` (tag `kind`): progress of `prepare_image`,
 * sent through its channel. `index` is 1-based.
 */
export type BuildEvent =
  | { kind: 'upToDate'; tag: string }
  | { kind: 'step'; index: number; total: number; instruction: string }
  | { kind: 'output'; line: string };

// ---------------------------------------------------------------------------
// Cell outputs and their updates: `sagedesk::kernel::outputs`. These enums are
// serialised with `#[serde(tag = ..., rename_all = ...)]`, which renames the
// variants only: their fields keep Rust's snake_case names.
// kernel/fixtures/*.json hold sample values; kernel/contract.test.ts checks
// them against these types with the guards of kernel/guards.ts.

/** A MIME bundle (`data`) or an output's `metadata`, as nbformat stores them. */
export type MimeBundle = Record<string, unknown>;

/** `Output`: one output of a cell, as nbformat 4.5 stores it (`output_type` tag). */
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface StreamOutput {
  output_type: 'stream';
  /** `stdout` or `stderr`. */
  name: string;
  /** All the text, or its kept start when `tail` is set. */
  text: string;
  /** Set (and only then present) once the middle of the stream was left out. */
  tail?: StreamTail;
}

export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: MimeBundle;
}

export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number;
  data: MimeBundle;
  metadata: MimeBundle;
}

export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  /** Lines with ANSI colour codes, as IPython formats them. */
  traceback: string[];
}

/** `StreamTail`: the kept end of a stream whose middle was left out. */
export interface StreamTail {
  /** Line breaks (`\n`) in the text left out. */
  omitted_lines: number;
  /** Bytes (UTF-8) of the text left out. */
  omitted_bytes: number;
  /** The end of the stream, appended to as it grows. */
  text: string;
}

/**
 * `OutputUpdate` (tag `kind`, camelCase variants): one change to a listener's
 * list of outputs, applied with kernel/outputs.ts `applyUpdate`. "The live
 * text" of a stream is its `text`, or `tail.text` once cut.
 */
export type OutputUpdate =
  | { kind: 'clear' }
  | { kind: 'insert'; index: number; output: Output }
  | { kind: 'replace'; index: number; output: Output }
  | { kind: 'remove'; index: number; count: number }
  | { kind: 'appendText'; index: number; text: string }
  | { kind: 'rewriteLine'; index: number; text: string }
  | {
      kind: 'trimText';
      index: number;
      lines: number;
      omitted_lines: number;
      omitted_bytes: number;
    };

// ---------------------------------------------------------------------------
// A cell's run and the kernel's session: `sagedesk::session`.

/** `CellStatus`: how a cell's run ended. `aborted`: not run, an earlier cell failed. */
export type CellStatus = 'ok' | 'error' | 'aborted';

/** `DeathReason` (tag `kind`): why a session's kernel is gone. */
export type DeathReason =
  | { kind: 'crashed'; exit_code: number }
  | { kind: 'killed'; signal: number }
  | { kind: 'outOfMemory'; limit_bytes: number }
  | { kind: 'engineGone'; message: string }
  | { kind: 'startTimedOut'; after_secs: number }
  | { kind: 'startFailed'; message: string }
  | { kind: 'gaveUp'; restarts: number }
  | { kind: 'stopped' };

/** `CellUpdate` (tag `kind`): one item of a batch sent through a run's channel. */
export type CellUpdate =
  | { kind: 'started' }
  | { kind: 'outputs'; updates: OutputUpdate[] }
  | { kind: 'inputRequest'; prompt: string; password: boolean }
  | { kind: 'finished'; status: CellStatus; execution_count: number | null }
  | { kind: 'kernelDied'; reason: DeathReason; message: string };

/** `SessionState` (tag `state`): where a kernel's session is in its life. */
export type SessionState =
  | { state: 'starting' }
  | { state: 'idle' }
  | { state: 'busy' }
  | { state: 'restarting'; reason: DeathReason }
  | { state: 'dead'; reason: DeathReason };

/** The short word the status bar shows, `SessionState::status()`. */
export type KernelStatus = 'starting' | 'idle' | 'busy' | 'dead';

/** `InterruptOutcome`: how an interrupt ended. */
export type InterruptOutcome = 'nothingRunning' | 'interrupted' | 'signalled' | 'needsRestart';

/** The payload of the `kernel-status` event. */
export interface KernelStatusEvent {
  /** The notebook the kernel belongs to (relative to the workspace). */
  path: string;
  state: SessionState;
}

/** The answer to `complete`; offsets are in Unicode code points, as Jupyter counts them. */
export interface CompleteReply {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
}

/** The answer to `inspect`: `data` is a MIME bundle (`text/plain` with ANSI colours). */
export interface InspectReply {
  found: boolean;
  data: MimeBundle;
}

// ---------------------------------------------------------------------------
// Workspaces and notebooks, as the shell's commands hand them over.

/** A notebook in the workspace. */
export interface NotebookEntry {
  /** Its name in the workspace, folders separated by `/`. */
  name: string;
  /** Relative to the workspace: what the notebook commands take. */
  path: string;
}

/** The answer to `open_workspace`. */
export interface WorkspaceInfo {
  /** The folder, as the shell resolved it. */
  path: string;
  notebooks: NotebookEntry[];
}

export type CellType = 'code' | 'markdown' | 'raw';

/** A cell of an opened notebook. */
export interface NotebookCell {
  id: string;
  cellType: CellType;
  source: string;
  outputs: Output[];
  executionCount: number | null;
}

/** The answer to `open_notebook`. */
export interface NotebookDoc {
  path: string;
  cells: NotebookCell[];
}

/** A cell as `save_notebook` takes it: the shell keeps the outputs it owns. */
export interface CellEdit {
  id: string;
  cellType: CellType;
  source: string;
}

/** The answer to `save_notebook`. */
export interface SaveResult {
  savedAt: string;
}
