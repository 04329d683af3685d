// What a cell's editor asks the kernel: completions (Tab) and help (Shift+Tab).

import type { CompleteReply, InspectReply } from '../types';

export interface KernelHelp {
  /** `cursorPos` in Unicode code points. */
  complete(code: string, cursorPos: number): Promise<CompleteReply>;
  inspect(code: string, cursorPos: number): Promise<InspectReply>;
}
