import { describe, expect, it } from 'vitest';
import type { Settings } from '../types';
import { defaultsText, formProblem, fromForm, toForm } from './form';

const defaults: Settings = {
  image: null,
  memoryBytes: 2 * 1024 ** 3,
  cpus: 1,
  kernelsOffline: false,
  maxMessageBytes: 256 * 1024 ** 2,
  autosaveDelayMs: 2000,
  kernelsOnQuit: 'stop',
  spareKernel: true,
  kernelsKeptDays: 7,
  theme: 'system',
  fontSize: 16,
  recentWorkspaces: ['/home/ada/SageDesk'],
  lastNotebook: 'calculus.ipynb',
  version: 1,
};

describe('the settings form', () => {
  it('shows GiB and seconds, and gives back bytes and milliseconds with what it does not show kept', () => {
    const form = toForm(defaults);
    expect(form).toEqual({
      memoryGib: 2,
      cpus: 1,
      offline: false,
      spare: true,
      fontSize: 16,
      maxMessageMib: 256,
      autosaveSeconds: 2,
      kernelsOnQuit: 'stop',
      keptDays: 7,
      theme: 'system',
      image: '',
    });
    const changed = fromForm(defaults, {
      ...form,
      memoryGib: 3.5,
      offline: true,
      maxMessageMib: 1024,
      autosaveSeconds: 0.5,
      kernelsOnQuit: 'leaveRunning',
      image: ' my/sage:1 ',
    });
    expect(changed).toEqual({
      ...defaults,
      memoryBytes: 3.5 * 1024 ** 3,
      kernelsOffline: true,
      maxMessageBytes: 1024 ** 3,
      autosaveDelayMs: 500,
      kernelsOnQuit: 'leaveRunning',
      image: 'my/sage:1',
    });
    expect(fromForm(defaults, form)).toEqual(defaults);
  });

  it('names what cannot be saved', () => {
    const form = toForm(defaults);
    expect(formProblem(form)).toBeNull();
    expect(formProblem({ ...form, memoryGib: 0.25 })).toMatch(/0.5 GiB/);
    expect(formProblem({ ...form, cpus: 0 })).toMatch(/0.1 CPU/);
    expect(formProblem({ ...form, cpus: 0.05 })).toMatch(/0.1 CPU/);
    // An emptied number field reads as NaN: the machine's default.
    expect(formProblem({ ...form, cpus: Number.NaN })).toBeNull();
    expect(formProblem({ ...form, cpus: 0.1 })).toBeNull();
    expect(formProblem({ ...form, maxMessageMib: 0.5 })).toMatch(/1 MiB/);
    expect(formProblem({ ...form, autosaveSeconds: 0 })).toMatch(/Autosave/);
    expect(formProblem({ ...form, keptDays: 0 })).toMatch(/1 day/);
    expect(formProblem({ ...form, keptDays: 1.5 })).toMatch(/1 day/);
    expect(formProblem({ ...form, image: 'my sage' })).toMatch(/spaces/);
  });
});

describe('limits left to the machine', () => {
  it('are empty fields that give back null, and say what they come to', () => {
    const automatic = { ...defaults, memoryBytes: null, cpus: null };
    const form = toForm(automatic);
    expect([form.memoryGib, form.cpus]).toEqual([null, null]);
    expect(formProblem(form)).toBeNull();
    expect(fromForm(automatic, form)).toMatchObject({ memoryBytes: null, cpus: null });
    // An emptied field is the machine's default again.
    expect(fromForm(defaults, { ...toForm(defaults), memoryGib: null, cpus: Number.NaN })).toMatchObject({
      memoryBytes: null,
      cpus: null,
    });
    expect(defaultsText({ memoryBytes: 12 * 2 ** 30, engineMemoryBytes: 24 * 2 ** 30, cores: 8 })).toEqual({
      memory: '12 GiB (half of 24 GiB)',
      cpus: 'all 8 cores',
    });
    expect(defaultsText(null).cpus).toBe('every core');
  });
});
