// The values the shell's commands take and return, what their channels and
// events carry, and the error they reject with: generated from the Rust
// types into lib/bindings/ (src-tauri/src/bindings.rs; a test fails when the
// files there are stale). This module gives them the names the UI uses, and
// adds the few types the UI has that Rust does not.
//
// As serde writes them: struct fields are camelCase where the Rust type says
// so, the fields of tagged enums' variants keep Rust's snake_case names, and
// Rust's `None` is `null` (or, where serde leaves it out, a missing field).

import type { DeskEvent, CellView, Completions, Help, NotebookItem, Output, Saved } from './bindings';

export type {
  DeskEvent,
  BuildEvent,
  CellEdit,
  CellStatus,
  CellUpdate,
  DeathReason,
  EngineInfo,
  ErrorBody,
  ErrorCode,
  ImageInfo,
  InterruptOutcome,
  KernelCheck,
  KernelsOnQuit,
  NotebookDoc,
  Output,
  OutputUpdate,
  Problem,
  PullProgress,
  Report,
  SessionState,
  Settings,
  SettingsView,
  StreamTail,
  Theme,
  Trashed,
  WorkspaceInfo,
} from './bindings';

/** The shell's events, by their `kind`. */
export type KernelStatusEvent = Extract<DeskEvent, { kind: 'kernelStatus' }>;
export type SetupEvent = Extract<DeskEvent, { kind: 'setup' }>;
export type EngineEvent = Extract<DeskEvent, { kind: 'engine' }>;

/** A notebook in the workspace: `NotebookItem`. */
export type NotebookEntry = NotebookItem;

/** A cell of an opened notebook: `CellView`. */
export type NotebookCell = CellView;

export type CellType = CellView['cellType'];

/** The answer to `save_notebook`: `Saved`. */
export type SaveResult = Saved;

/** The answer to `complete`: `Completions`. Offsets are in Unicode code points, as Jupyter counts them. */
export type CompleteReply = Completions;

/** The answer to `inspect`: `Help`. `data` is a MIME bundle (`text/plain` with ANSI colours). */
export type InspectReply = Help;

// The variants of `Output`, by their `output_type`.
export type StreamOutput = Extract<Output, { output_type: 'stream' }>;
export type DisplayDataOutput = Extract<Output, { output_type: 'display_data' }>;
export type ExecuteResultOutput = Extract<Output, { output_type: 'execute_result' }>;
export type ErrorOutput = Extract<Output, { output_type: 'error' }>;

/** A MIME bundle (`data`) or an output's `metadata`, as nbformat stores them. */
export type MimeBundle = DisplayDataOutput['data'];

/**
 * The short word the status bar shows, derived from a `SessionState` (as
 * Rust's `SessionState::status()` derives it; Rust has no type for it).
 */
export type KernelStatus = 'starting' | 'idle' | 'busy' | 'dead';
