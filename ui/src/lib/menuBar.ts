// The window's native menu bar (File, Edit, View, Run, Kernel, Help), made
// with Tauri's menu API from the same commands as the notebook's toolbar
// menus (notebook/commands.ts). Its items act on the notebook shown, and
// are greyed out while none is. The keys that work wherever the focus is
// (Ctrl+S, Ctrl+P, Ctrl+F, Ctrl+H, zoom) are its accelerators; the
// command-mode keys are named in the labels, as the toolbar's menus name
// them.

import { Menu, MenuItem, PredefinedMenuItem, Submenu } from '@tauri-apps/api/menu';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { getCurrentWindow } from '@tauri-apps/api/window';

import { EDIT, FILE, KERNEL, RUN, VIEW, type Command } from './notebook/commands';
import type { NotebookModel } from './notebook/notebook.svelte';

/** What the menu bar does beyond the notebook's own commands. */
export interface AppCommands {
  /** The notebook shown, if any. */
  current: () => NotebookModel | null;
  settings: () => void;
  help: { id: string; label: string; run: () => void }[];
}

/** The zoom levels Ctrl+= and Ctrl+- step through, as a browser's. */
export const ZOOM_LEVELS = [0.5, 0.67, 0.75, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3];

/** The zoom after one step `by` (+1, -1) from `now`, or back to 1 (`by` 0). */
export function zoomStep(now: number, by: -1 | 0 | 1): number {
  if (by === 0) return 1;
  const at = ZOOM_LEVELS.findIndex((level) => level >= now - 1e-9);
  const here = at < 0 ? ZOOM_LEVELS.length - 1 : at;
  const exact = Math.abs(ZOOM_LEVELS[here] - now) < 1e-9;
  const next = by > 0 ? (exact ? here + 1 : here) : here - 1;
  return ZOOM_LEVELS[Math.max(0, Math.min(ZOOM_LEVELS.length - 1, next))];
}

/** A command's label with its command-mode keys, which are not accelerators. */
const labelOf = (command: Command) =>
  command.keys && !command.accelerator ? `${command.label}    ${command.keys}` : command.label;

export class MenuBar {
  #notebookItems: MenuItem[] = [];
  #zoom = 1;

  private constructor(readonly app: AppCommands) {}

  /** Builds the menu bar and sets it on the window. Null where there is no native menu (a browser, tests). */
  static async install(app: AppCommands): Promise<MenuBar | null> {
    const bar = new MenuBar(app);
    try {
      const menu = await Menu.new({ items: await bar.#submenus() });
      await menu.setAsWindowMenu();
      await bar.notebookShown(app.current() != null);
      return bar;
    } catch (error) {
      console.warn('no native menu bar', error);
      return null;
    }
  }

  /** Greys out the notebook's commands while no notebook is shown. */
  async notebookShown(shown: boolean): Promise<void> {
    await Promise.all(this.#notebookItems.map((item) => item.setEnabled(shown)));
  }

  async #commands(commands: Command[]): Promise<MenuItem[]> {
    const items = await Promise.all(
      commands.map((command) =>
        MenuItem.new({
          id: command.id,
          text: labelOf(command),
          accelerator: command.accelerator,
          action: () => {
            const notebook = this.app.current();
            if (notebook) void command.run(notebook);
          },
        }),
      ),
    );
    this.#notebookItems.push(...items);
    return items;
  }

  async #zoomBy(by: -1 | 0 | 1): Promise<void> {
    this.#zoom = zoomStep(this.#zoom, by);
    await getCurrentWebview().setZoom(this.#zoom);
  }

  async #submenus(): Promise<Submenu[]> {
    const separator = () => PredefinedMenuItem.new({ item: 'Separator' });
    const plain = (id: string, text: string, action: () => void, accelerator?: string) =>
      MenuItem.new({ id, text, action, accelerator });
    return Promise.all([
      Submenu.new({
        text: 'File',
        items: [
          ...(await this.#commands(FILE)),
          await separator(),
          await plain('menu-settings', 'Settings…', () => this.app.settings()),
          await separator(),
          // Closing the window quits as closing it by hand does: kernels stopped or left running as the settings say.
          await plain('menu-quit', 'Quit', () => void getCurrentWindow().close(), 'CmdOrCtrl+Q'),
        ],
      }),
      Submenu.new({ text: 'Edit', items: await this.#commands(EDIT) }),
      Submenu.new({
        text: 'View',
        items: [
          ...(await this.#commands(VIEW)),
          await separator(),
          await plain('menu-zoom-in', 'Zoom in', () => void this.#zoomBy(1), 'CmdOrCtrl+='),
          await plain('menu-zoom-out', 'Zoom out', () => void this.#zoomBy(-1), 'CmdOrCtrl+-'),
          await plain('menu-zoom-reset', 'Actual size', () => void this.#zoomBy(0), 'CmdOrCtrl+0'),
        ],
      }),
      Submenu.new({ text: 'Run', items: await this.#commands(RUN) }),
      Submenu.new({ text: 'Kernel', items: await this.#commands(KERNEL) }),
      Submenu.new({
        text: 'Help',
        items: await Promise.all(this.app.help.map((item) => plain(item.id, item.label, item.run))),
      }),
    ]);
  }
}
