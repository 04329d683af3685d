// Images pasted or dropped into a markdown cell's editor become the cell's
// attachments, as in JupyterLab: the image is handed to the notebook, which
// names it and keeps its data, and `![name](attachment:name)` goes in at
// the cursor (or where it was dropped).

import { EditorView } from '@codemirror/view';
import type { Extension } from '@codemirror/state';

import { ATTACHABLE } from './images';

/** What the notebook does with an image: its markdown to insert, or null if it was not taken. */
export type AttachImage = (file: File) => Promise<string | null>;

/** The first image among the files of a paste or a drop. */
export function imageFile(data: DataTransfer | null): File | null {
  for (const file of data?.files ?? []) {
    if (ATTACHABLE.includes(file.type)) return file;
  }
  for (const item of data?.items ?? []) {
    if (item.kind === 'file' && ATTACHABLE.includes(item.type)) return item.getAsFile();
  }
  return null;
}

/** The extension: `attach` reads the prop when an image arrives. */
export function pasteImages(attach: () => AttachImage | undefined): Extension {
  const take = (view: EditorView, file: File, at: number) => {
    const handler = attach();
    if (!handler) return false;
    void handler(file).then((markdown) => {
      if (!markdown) return;
      const pos = Math.min(at, view.state.doc.length);
      view.dispatch({ changes: { from: pos, insert: markdown }, selection: { anchor: pos + markdown.length } });
    });
    return true;
  };
  return EditorView.domEventHandlers({
    paste(event, view) {
      const file = imageFile(event.clipboardData);
      if (!file || !take(view, file, view.state.selection.main.head)) return false;
      event.preventDefault();
      return true;
    },
    drop(event, view) {
      const file = imageFile(event.dataTransfer);
      if (!file) return false;
      const at = view.posAtCoords({ x: event.clientX, y: event.clientY }) ?? view.state.selection.main.head;
      if (!take(view, file, at)) return false;
      event.preventDefault();
      return true;
    },
  });
}
