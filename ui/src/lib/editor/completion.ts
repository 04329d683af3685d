// Tab completion from the kernel, as Jupyter does it: Tab after a name asks
// the kernel; a single match is inserted at once, several open the list.
// Tab at the start of a line (or with a selection) indents. Completion never
// starts by itself while typing.

import {
  acceptCompletion,
  autocompletion,
  completionStatus,
  insertCompletionText,
  startCompletion,
  type CompletionResult,
  type CompletionSource,
} from '@codemirror/autocomplete';
import { indentMore } from '@codemirror/commands';
import { Prec, type EditorState, type Extension } from '@codemirror/state';
import { keymap, type Command } from '@codemirror/view';
import type { KernelHelp } from './kernel';
import { fromCodePoints, toCodePoints } from './positions';

/** The kernel's completions at `pos`, as the editor takes them; null when there are none. */
export async function kernelCompletions(
  kernel: Pick<KernelHelp, 'complete'>,
  state: EditorState,
  pos: number,
): Promise<CompletionResult | null> {
  const code = state.doc.toString();
  const reply = await kernel.complete(code, toCodePoints(code, pos));
  if (reply.matches.length === 0) return null;
  return {
    from: fromCodePoints(code, reply.cursor_start),
    to: fromCodePoints(code, reply.cursor_end),
    options: reply.matches.map((label) => ({ label })),
    validFor: /^[\w.]*$/,
  };
}

/** Whether Tab at the cursor should indent rather than complete. */
function indents(state: EditorState): boolean {
  const range = state.selection.main;
  if (!range.empty) return true;
  const line = state.doc.lineAt(range.head);
  return /^\s*$/.test(line.text.slice(0, range.head - line.from));
}

export function kernelCompletion(kernel: Pick<KernelHelp, 'complete'>): Extension {
  // What Tab fetched, for the list it opens (so the kernel is asked once).
  let fetched: { doc: string; pos: number; result: CompletionResult } | null = null;

  const source: CompletionSource = async (context) => {
    const doc = context.state.doc.toString();
    if (fetched && fetched.doc === doc && fetched.pos === context.pos) {
      const { result } = fetched;
      fetched = null;
      return result;
    }
    try {
      return await kernelCompletions(kernel, context.state, context.pos);
    } catch {
      return null;
    }
  };

  const tab: Command = (view) => {
    if (completionStatus(view.state) === 'active') return acceptCompletion(view);
    if (indents(view.state)) return indentMore(view);
    const doc = view.state.doc.toString();
    const pos = view.state.selection.main.head;
    kernelCompletions(kernel, view.state, pos).then(
      (result) => {
        // Typed on meanwhile: the answer is for a text that is gone.
        if (!result || view.state.doc.toString() !== doc || view.state.selection.main.head !== pos) return;
        if (result.options.length === 1) {
          view.dispatch(insertCompletionText(view.state, result.options[0].label, result.from, result.to ?? pos));
          return;
        }
        fetched = { doc, pos, result };
        startCompletion(view);
      },
      () => {},
    );
    return true;
  };

  return [
    autocompletion({ override: [source], activateOnTyping: false, icons: false }),
    Prec.high(keymap.of([{ key: 'Tab', run: tab }])),
  ];
}
