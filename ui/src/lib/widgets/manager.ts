// ipywidgets' own widget manager (@jupyter-widgets/base-manager) over a
// notebook's comms: the controls of @jupyter-widgets/controls, and an
// Output widget that shows outputs as cells show them (output.ts). Loaded
// when a notebook first has a widget.
//
// The kernel's events are handled one after another, each waiting for the
// last (a comm's first messages wait for its model to be made), as
// JupyterLab's kernel connection handles them.

import * as base from '@jupyter-widgets/base';
import { ManagerBase } from '@jupyter-widgets/base-manager';
// Lumino's own layout rules (a widget positions what it holds; a hidden
// one is not drawn), which ipywidgets' stylesheets take as given.
import '@lumino/widgets/style/index.css';
import '@jupyter-widgets/base/css/index.css';
import '@jupyter-widgets/controls/css/widgets.css';
// The icons of buttons and of matplotlib's toolbar (Font Awesome 4, as
// JupyterLab has it).
import 'font-awesome/css/font-awesome.css';
import { Widget } from '@lumino/widgets';
import type { WidgetEvent } from '../types';
import { CommChannel, commMsg, type SendComm } from './comm';
import type { Life, WidgetHost } from './host.svelte';
import * as output from './output';
import { typesetIn } from './typeset';
import './widgets.css';

/** The widget modules a notebook may use, by their npm names. */
async function widgetModule(name: string): Promise<Record<string, unknown>> {
  switch (name) {
    case '@jupyter-widgets/base':
      return base as unknown as Record<string, unknown>;
    case '@jupyter-widgets/controls':
      return (await import('./controls')) as unknown as Record<string, unknown>;
    case '@jupyter-widgets/output':
      return output as unknown as Record<string, unknown>;
    case 'jupyter-matplotlib':
      return (await import('./matplotlib')) as unknown as Record<string, unknown>;
    default:
      throw new Error(`SageDesk does not have the widget module ${name}`);
  }
}

export class WidgetManager extends ManagerBase {
  readonly #channel: CommChannel;
  readonly #host: WidgetHost;
  #chain: Promise<unknown> = Promise.resolve();
  #restored: Promise<void> | null = null;
  #fromFile: Promise<unknown> | null = null;
  /**
   * How controls typeset their descriptions and HTMLMath values (they look
   * for JupyterLab's typesetter here, else for MathJax 2's global): with
   * the window's MathJax.
   */
  readonly _rendermime = { latexTypesetter: { typeset: (element: HTMLElement) => void typesetIn(element) } };

  readonly #commInfo: () => Promise<Record<string, string>>;

  constructor(send: SendComm, commInfo: () => Promise<Record<string, string>>, host: WidgetHost) {
    super();
    this.#host = host;
    this.#commInfo = commInfo;
    this.#channel = new CommChannel(send);
    this.#channel.onTrouble = (why) => (host.trouble = why);
  }

  /** The notebook's widgets, for outputs shown inside Output widgets. */
  get host(): WidgetHost {
    return this.#host;
  }

  /** Takes one of the kernel's widget events, after those before it. */
  receive(event: WidgetEvent): void {
    this.#chain = this.#chain
      .then(() => this.#handle(event))
      .catch((error: unknown) => console.error('a widget event could not be handled', event.kind, error));
  }

  async #handle(event: WidgetEvent): Promise<void> {
    switch (event.kind) {
      case 'comm': {
        const wire = event.message;
        const msg = commMsg(wire);
        if (wire.kind === 'open') {
          if (wire.targetName !== this.comm_target_name) {
            // No such target here: closed, as JupyterLab closes it.
            this.#channel.add(wire.commId, wire.targetName).close();
            return;
          }
          const comm = this.#channel.add(wire.commId, wire.targetName);
          await this.handle_comm_open(comm, msg as never);
          return;
        }
        const comm = this.#channel.comm(wire.commId);
        if (!comm) return;
        await (wire.kind === 'msg' ? comm.deliver(msg) : comm.closed(msg));
        return;
      }
      case 'outputs': {
        if (!this.has_model(event.model_id)) return;
        const model = await this.get_model(event.model_id);
        if (model instanceof output.OutputModel) model.apply(event.updates);
        return;
      }
      case 'idle':
        this.#channel.idle(event.msg_id);
        return;
      case 'kernelGone':
        this.disconnect();
        this.#channel.clear();
        return;
      case 'displayUpdated':
        return;
    }
  }

  /**
   * Shows the model `modelId` in `element`. A model the window does not
   * have is asked of the kernel (its widgets, once), then taken from the
   * state the file kept. `onLive` hears whether its kernel is there, now
   * and when that changes. Returns how to take the view away.
   */
  async display(modelId: string, element: HTMLElement, onLive: (life: Life) => void): Promise<() => void> {
    if (!this.has_model(modelId)) {
      this.#restored ??= this._loadFromKernel().catch(() => {});
      await this.#restored;
    }
    const saved = this.#host.saved;
    if (!this.has_model(modelId) && saved && modelId in saved.state) {
      this.#fromFile ??= this.set_state(saved as never);
      await this.#fromFile;
    }
    const model = await this.get_model(modelId);
    const view = await this.create_view(model);
    Widget.attach(view.luminoWidget, element);
    const live = () => onLive(model.comm_live ? 'live' : model.comm ? 'gone' : 'saved');
    model.on('comm_live_update', live);
    live();
    return () => {
      model.off('comm_live_update', live);
      // The page may have taken the element away first (a tab closed):
      // Lumino would refuse to detach what is no longer in the document.
      const widget = view.luminoWidget;
      if (widget.isAttached && !widget.node.isConnected) widget.clearFlag(Widget.Flag.IsAttached);
      try {
        view.remove();
      } catch (error) {
        console.warn('a widget view did not come away cleanly', error);
      }
    };
  }

  protected async loadClass(className: string, moduleName: string, moduleVersion: string): Promise<typeof base.WidgetModel | typeof base.WidgetView> {
    const module = await widgetModule(moduleName);
    const found = module[className];
    if (typeof found !== 'function') throw new Error(`There is no ${className} in ${moduleName} ${moduleVersion}`);
    return found as typeof base.WidgetModel | typeof base.WidgetView;
  }

  protected async _create_comm(
    target: string,
    modelId?: string,
    data?: object,
    metadata?: object,
    buffers?: ArrayBuffer[] | ArrayBufferView[],
  ): Promise<base.IClassicComm> {
    const comm = this.#channel.add(modelId ?? base.uuid(), target);
    // Without data it is a comm the kernel opened already (widgets restored).
    if (data !== undefined) comm.open(data, {}, metadata, buffers);
    return comm;
  }

  /** The kernel's widget comms (comm_info_request), for restoring when its control comm does not answer. */
  protected async _get_comm_info(): Promise<Record<string, { target_name: string }>> {
    const comms = await this.#commInfo();
    return Object.fromEntries(Object.entries(comms).map(([id, target]) => [id, { target_name: target }]));
  }
}
