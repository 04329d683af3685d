import { describe, expect, it } from 'vitest';

import { zoomStep } from './menuBar';
import { EDIT, FILE, KERNEL, RUN, VIEW } from './notebook/commands';

describe('zoomStep', () => {
  it('steps through the levels and back to actual size', () => {
    expect(zoomStep(1, 1)).toBe(1.1);
    expect(zoomStep(1, -1)).toBe(0.9);
    expect(zoomStep(1.1, -1)).toBe(1);
    expect(zoomStep(2.5, 0)).toBe(1);
  });

  it('stops at the ends and finds its place from a level it does not have', () => {
    expect(zoomStep(3, 1)).toBe(3);
    expect(zoomStep(0.5, -1)).toBe(0.5);
    expect(zoomStep(1.05, 1)).toBe(1.1);
    expect(zoomStep(1.05, -1)).toBe(1);
  });
});

describe('the notebook commands', () => {
  it('have ids of their own, and accelerators only with Ctrl', () => {
    const all = [...FILE, ...EDIT, ...VIEW, ...RUN, ...KERNEL];
    expect(new Set(all.map((command) => command.id)).size).toBe(all.length);
    for (const command of all.filter((c) => c.accelerator)) {
      expect(command.accelerator).toMatch(/^CmdOrCtrl\+/);
      expect(command.keys).toBe(command.accelerator!.replace('CmdOrCtrl', 'Ctrl'));
    }
  });
});
