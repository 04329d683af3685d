// Shift+Tab: the kernel's help on the name at the cursor (its signature and
// docstring, coloured with ANSI codes), in a tooltip under the cursor: its
// first lines, then, at a second Shift+Tab, all of it in a larger box.
// Escape, typing or moving the cursor closes it.

import { Prec, StateEffect, StateField, type Extension } from '@codemirror/state';
import { keymap, showTooltip, type Command, type Tooltip } from '@codemirror/view';
import { renderAnsi } from '../outputs/ansiDom';
import { mimeText } from '../outputs/mime';
import type { KernelHelp } from './kernel';
import { toCodePoints } from './positions';

/** Lines of help the first Shift+Tab shows. */
export const SHORT_HELP_LINES = 10;

interface Shown {
  tooltip: Tooltip;
  pos: number;
  text: string;
  expanded: boolean;
}

const setHelp = StateEffect.define<Shown | null>();

const helpField = StateField.define<Shown | null>({
  create: () => null,
  update(value, transaction) {
    for (const effect of transaction.effects) if (effect.is(setHelp)) return effect.value;
    return transaction.docChanged || transaction.selection ? null : value;
  },
  provide: (field) => showTooltip.from(field, (shown) => shown?.tooltip ?? null),
});

/** The help as the tooltip shows it: its first lines, or all of it. */
export function shownHelp(text: string, expanded: boolean): { text: string; more: boolean } {
  const lines = text.split('\n');
  if (expanded || lines.length <= SHORT_HELP_LINES) return { text, more: false };
  return { text: lines.slice(0, SHORT_HELP_LINES).join('\n'), more: true };
}

function helpShown(pos: number, text: string, expanded: boolean): Shown {
  const tooltip: Tooltip = {
    pos,
    above: false,
    create: () => {
      const dom = document.createElement('div');
      dom.className = expanded ? 'cm-kernel-help cm-kernel-help-expanded' : 'cm-kernel-help';
      dom.setAttribute('role', 'tooltip');
      dom.dataset.testid = 'inspect-help';
      dom.dataset.expanded = String(expanded);
      const shown = shownHelp(text, expanded);
      const pre = document.createElement('pre');
      renderAnsi(pre, shown.text);
      dom.append(pre);
      if (shown.more) {
        const more = document.createElement('p');
        more.className = 'cm-kernel-help-more';
        more.textContent = 'Shift+Tab again for all of it';
        dom.append(more);
      }
      return { dom };
    },
  };
  return { tooltip, pos, text, expanded };
}

export function kernelHelp(kernel: Pick<KernelHelp, 'inspect'>): Extension {
  const show: Command = (view) => {
    const code = view.state.doc.toString();
    const pos = view.state.selection.main.head;
    const shown = view.state.field(helpField);
    if (shown && shown.pos === pos) {
      if (!shown.expanded) view.dispatch({ effects: setHelp.of(helpShown(pos, shown.text, true)) });
      return true;
    }
    kernel.inspect(code, toCodePoints(code, pos)).then(
      (reply) => {
        if (view.state.doc.toString() !== code || view.state.selection.main.head !== pos) return;
        const text = reply.found ? (mimeText(reply.data['text/plain']) ?? '') : '';
        view.dispatch({ effects: setHelp.of(helpShown(pos, text || 'No help found for this name.', false)) });
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
