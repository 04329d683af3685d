// Shift+Tab: the kernel's help on the name at the cursor (its signature and
// docstring, coloured with ANSI codes), in a tooltip under the cursor.
// Escape, typing or moving the cursor closes it.

import { Prec, StateEffect, StateField, type Extension } from '@codemirror/state';
import { keymap, showTooltip, type Command, type Tooltip } from '@codemirror/view';
import { renderAnsi } from '../outputs/ansiDom';
import { mimeText } from '../outputs/mime';
import type { KernelHelp } from './kernel';
import { toCodePoints } from './positions';

const setHelp = StateEffect.define<Tooltip | null>();

const helpField = StateField.define<Tooltip | null>({
  create: () => null,
  update(value, transaction) {
    for (const effect of transaction.effects) if (effect.is(setHelp)) return effect.value;
    return transaction.docChanged || transaction.selection ? null : value;
  },
  provide: (field) => showTooltip.from(field),
});

function helpTooltip(pos: number, text: string): Tooltip {
  return {
    pos,
    above: false,
    create: () => {
      const dom = document.createElement('div');
      dom.className = 'cm-kernel-help';
      dom.setAttribute('role', 'tooltip');
      dom.dataset.testid = 'inspect-help';
      const pre = document.createElement('pre');
      renderAnsi(pre, text);
      dom.append(pre);
      return { dom };
    },
  };
}

export function kernelHelp(kernel: Pick<KernelHelp, 'inspect'>): Extension {
  const show: Command = (view) => {
    const code = view.state.doc.toString();
    const pos = view.state.selection.main.head;
    kernel.inspect(code, toCodePoints(code, pos)).then(
      (reply) => {
        if (view.state.doc.toString() !== code || view.state.selection.main.head !== pos) return;
        const text = reply.found ? (mimeText(reply.data['text/plain']) ?? '') : '';
        view.dispatch({ effects: setHelp.of(helpTooltip(pos, text || 'No help found for this name.')) });
      },
      () => {},
    );
    return true;
  };
  const hide: Command = (view) => {
    if (!view.state.field(helpField)) return false;
    view.dispatch({ effects: setHelp.of(null) });
    return true;
  };
  return [
    helpField,
    Prec.highest(
      keymap.of([
        { key: 'Shift-Tab', run: show },
        { key: 'Escape', run: hide },
      ]),
    ),
  ];
}
