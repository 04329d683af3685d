// The values the shell's commands take and return, what their channels and
// events carry, and the error they reject with: generated from the Rust
// types into lib/bindings/ (src-tauri/src/bindings.rs; a test fails when the
// files there are stale), under their Rust names. This module adds the
// parts of them the UI names on its own.
//
// As serde writes them: struct fields are camelCase where the Rust type says
// so, the fields of tagged enums' variants keep Rust's snake_case names, and
// Rust's `None` is `null` (or, where serde leaves it out, a missing field).

import type { CellView, DeskEvent, Output } from './bindings';

export type {
  BuildEvent,
  CellEdit,
  CellStatus,
  CellUpdate,
  CellView,
  Completions,
  DeathReason,
  DeskEvent,
  EngineInfo,
  ErrorBody,
  ErrorCode,
  ExportFormat,
  Help,
  ImageData,
  ImageInfo,
  InterruptOutcome,
  KernelCheck,
  KernelDefaults,
  KernelsOnQuit,
  KernelStatus,
  NotebookDoc,
  NotebookItem,
  Output,
  OutputUpdate,
  Payload,
  RunTimes,
  Problem,
  PullProgress,
  Report,
  Saved,
  SessionState,
  Settings,
  SettingsView,
  StreamTail,
  Theme,
  Trashed,
  WidgetEvent,
  WorkspaceInfo,
  CommWire,
  CommWireKind,
} from './bindings';

/** The shell's events, by their `kind`. */
export type KernelStatusEvent = Extract<DeskEvent, { kind: 'kernelStatus' }>;
export type SetupEvent = Extract<DeskEvent, { kind: 'setup' }>;
export type EngineEvent = Extract<DeskEvent, { kind: 'engine' }>;

/** What a window shows of a kernel: its state, with the word and the line the core derives from it. */
export type KernelView = Omit<KernelStatusEvent, 'kind' | 'path'>;

export type CellType = CellView['cellType'];

// The variants of `Output`, by their `output_type`.
export type StreamOutput = Extract<Output, { output_type: 'stream' }>;
export type DisplayDataOutput = Extract<Output, { output_type: 'display_data' }>;
export type ExecuteResultOutput = Extract<Output, { output_type: 'execute_result' }>;
export type ErrorOutput = Extract<Output, { output_type: 'error' }>;

/** A MIME bundle (`data`) or an output's `metadata`, as nbformat stores them. */
export type MimeBundle = DisplayDataOutput['data'];
