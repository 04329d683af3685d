// Comms as ipywidgets' manager uses them (its `IClassicComm`), over the
// shell's send_comm command and a notebook's widget events. A message's id
// is made here and returned at once, as ipywidgets expects: it knows the
// kernel's echo of a change by it, and sends a widget's next change only
// once the kernel is idle after the last (the `iopub.status` callback).

import type { ICallbacks, IClassicComm } from '@jupyter-widgets/base';
import type { CommWire, CommWireKind } from '../types';

/** What a comm's listeners are given: the shape of a Jupyter message. */
export interface CommMsg {
  content: { comm_id: string; target_name?: string; data: Record<string, unknown> };
  metadata: Record<string, unknown>;
  buffers: DataView[];
  parent_header: { msg_id?: string };
  header: { msg_id?: string; msg_type: 'comm_open' | 'comm_msg' | 'comm_close' };
}

type Payload = ArrayBuffer[] | ArrayBufferView[];

function toBase64(buffer: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text: string): DataView {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new DataView(bytes.buffer);
}

/** A message from the kernel as a comm's listeners take it. */
export function commMsg(wire: CommWire): CommMsg {
  return {
    content: { comm_id: wire.commId, target_name: wire.targetName || undefined, data: wire.data },
    metadata: wire.metadata,
    buffers: wire.buffers.map(fromBase64),
    parent_header: { msg_id: wire.parentMsgId ?? undefined },
    header: { msg_id: wire.msgId ?? undefined, msg_type: `comm_${wire.kind}` },
  };
}

/** Sends a comm message to the notebook's kernel; the shell's send_comm. */
export type SendComm = (message: CommWire) => Promise<unknown>;

/** A notebook's comms, and the sent messages whose idle is awaited. */
export class CommChannel {
  readonly #send: SendComm;
  readonly #comms = new Map<string, WidgetComm>();
  readonly #waiting = new Map<string, ICallbacks>();
  /** Set when a message could not be sent, until the next succeeds. */
  onTrouble: (why: string | null) => void = () => {};

  constructor(send: SendComm) {
    this.#send = send;
  }

  comm(id: string): WidgetComm | undefined {
    return this.#comms.get(id);
  }

  /** A comm with this id and target, known from now on. */
  add(id: string, target: string): WidgetComm {
    const comm = new WidgetComm(id, target, this);
    this.#comms.set(id, comm);
    return comm;
  }

  forget(comm: WidgetComm): void {
    this.#comms.delete(comm.comm_id);
  }

  /** Sends; returns the message's id at once. */
  post(kind: CommWireKind, comm: WidgetComm, data: unknown, callbacks?: ICallbacks, metadata?: object, buffers?: Payload): string {
    const msgId = crypto.randomUUID();
    const status = callbacks?.iopub?.status;
    if (status) this.#waiting.set(msgId, callbacks);
    const message: CommWire = {
      kind,
      commId: comm.comm_id,
      targetName: kind === 'open' ? comm.target_name : '',
      data: (data ?? {}) as Record<string, unknown>,
      metadata: (metadata ?? {}) as Record<string, unknown>,
      buffers: (buffers ?? []).map(toBase64),
      msgId,
      parentMsgId: null,
    };
    this.#send(message).then(
      () => this.onTrouble(null),
      (reason: unknown) => {
        // Nothing will come back for it: the widget may send again.
        this.idle(msgId);
        this.onTrouble(reason instanceof Error ? reason.message : String((reason as { message?: string })?.message ?? reason));
      },
    );
    return msgId;
  }

  /** The kernel is done with the message `msgId`. */
  idle(msgId: string): void {
    const callbacks = this.#waiting.get(msgId);
    if (!callbacks) return;
    this.#waiting.delete(msgId);
    const msg = { header: {}, parent_header: { msg_id: msgId }, metadata: {}, content: { execution_state: 'idle' } };
    callbacks.iopub?.status?.(msg as never);
  }

  /** The kernel went: no comm of it answers again. */
  clear(): void {
    for (const msgId of [...this.#waiting.keys()]) this.idle(msgId);
    this.#comms.clear();
  }
}

/** One comm, for ipywidgets' manager and models. */
export class WidgetComm implements IClassicComm {
  readonly comm_id: string;
  readonly target_name: string;
  readonly #channel: CommChannel;
  #onMsg: ((msg: CommMsg) => void) | null = null;
  #onClose: ((msg: CommMsg) => void) | null = null;

  constructor(id: string, target: string, channel: CommChannel) {
    this.comm_id = id;
    this.target_name = target;
    this.#channel = channel;
  }

  open(data: unknown, callbacks?: ICallbacks, metadata?: object, buffers?: Payload): string {
    return this.#channel.post('open', this, data, callbacks, metadata, buffers);
  }

  send(data: unknown, callbacks?: ICallbacks, metadata?: object, buffers?: Payload): string {
    return this.#channel.post('msg', this, data, callbacks, metadata, buffers);
  }

  close(data?: unknown, callbacks?: ICallbacks, metadata?: object, buffers?: Payload): string {
    this.#channel.forget(this);
    return this.#channel.post('close', this, data ?? {}, callbacks, metadata, buffers);
  }

  on_msg(callback: (msg: CommMsg) => void): void {
    this.#onMsg = callback;
  }

  on_close(callback: (msg: CommMsg) => void): void {
    this.#onClose = callback;
  }

  /** A message from the kernel for this comm. */
  deliver(msg: CommMsg): unknown {
    return this.#onMsg?.(msg);
  }

  /** The kernel closed this comm. */
  closed(msg: CommMsg): unknown {
    this.#channel.forget(this);
    return this.#onClose?.(msg);
  }
}
