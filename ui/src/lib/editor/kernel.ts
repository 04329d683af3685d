// What a cell's editor asks the kernel: completions (Tab) and help (Shift+Tab).

import type { Completions, Help } from '../types';

export interface KernelHelp {
  /** `cursorPos` in Unicode code points. */
  complete(code: string, cursorPos: number): Promise<Completions>;
  inspect(code: string, cursorPos: number): Promise<Help>;
}
