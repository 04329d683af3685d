// The Output widget (`ipywidgets.Output`, and what `@interact` draws its
// results in): its outputs are folded by the core, as a cell's are, and
// shown here by the cells' own output area.

import * as base from '@jupyter-widgets/output';
import { mount, unmount } from 'svelte';
import OutputArea from '../outputs/OutputArea.svelte';
import { LiveOutputs } from '../outputs/live.svelte';
import type { Output, OutputUpdate } from '../types';
import { WIDGETS } from './host.svelte';
import type { WidgetManager } from './manager';

export class OutputModel extends base.OutputModel {
  /**
   * What the widget shows. Made in `initialize`, which Backbone calls from
   * inside the constructor: a class field would be set only after it.
   */
  declare shown: LiveOutputs;

  initialize(attributes: Backbone.ObjectHash, options: { model_id: string; comm?: unknown; widget_manager: unknown }): void {
    super.initialize(attributes, options as never);
    this.shown = new LiveOutputs();
    // From saved widget state: what it showed then.
    const saved = this.get('outputs') as Output[] | undefined;
    if (Array.isArray(saved)) this.shown.reset(saved);
  }

  /** Changes to the outputs the core folded. */
  apply(updates: OutputUpdate[]): void {
    this.shown.apply(updates);
    // As JupyterLab does: the kernel's `out.outputs` follows, and saved
    // widget state holds them.
    this.set('outputs', [...this.shown.outputs]);
    this.save_changes();
  }
}

export class OutputView extends base.OutputView {
  #area: ReturnType<typeof mount> | null = null;

  render(): void {
    super.render();
    this.el.classList.add('jupyter-widgets-output-area');
    const model = this.model as OutputModel;
    const manager = this.model.widget_manager as unknown as WidgetManager;
    this.#area = mount(OutputArea, {
      target: this.el,
      props: { outputs: model.shown },
      context: new Map([[WIDGETS, () => manager.host]]),
    });
  }

  remove(): this {
    if (this.#area) void unmount(this.#area);
    this.#area = null;
    return super.remove();
  }
}
