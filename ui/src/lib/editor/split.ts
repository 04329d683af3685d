// Ctrl+Shift+Minus splits the cell at the cursor, as in JupyterLab.
//
// How the key arrives depends on the layout and the engine: on a US layout
// WebKitGTK and Chromium report key '_' with the Minus key's code (189),
// which CodeMirror's keymap also tries as 'Ctrl-Shift--'; where the key code
// is missing, 'Ctrl-_' is what it looks up. Layouts whose minus needs Shift
// report '-' with Shift: 'Ctrl-Shift--' again.

import { Prec, type Extension } from '@codemirror/state';
import { keymap, type Command } from '@codemirror/view';

/** The split key, calling `onsplit` with the cursor's offset (UTF-16, as the editor counts). */
export function splitKey(onsplit: (offset: number) => void): Extension {
  const split: Command = (view) => {
    onsplit(view.state.selection.main.head);
    return true;
  };
  return Prec.high(
    keymap.of([
      { key: 'Ctrl-Shift--', run: split },
      { key: 'Ctrl-_', run: split },
    ]),
  );
}
