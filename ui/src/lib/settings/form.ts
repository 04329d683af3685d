// The settings form's fields, in the units people think in, and back to the
// settings the shell keeps.

import { formatMemory } from '../size';
import type { KernelDefaults, KernelsOnQuit, Settings, Theme } from '../types';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export interface SettingsForm {
  /** Memory limit of a kernel, in GiB; empty (null) for the machine's default. */
  memoryGib: number | null;
  /** A cap on a kernel's CPU, in cores; empty (null) for every core. */
  cpus: number | null;
  /** Kernels reach no network beyond SageDesk. */
  offline: boolean;
  spare: boolean;
  fontSize: number;
  /** The longest part of a message taken from a kernel, in MiB. */
  maxMessageMib: number;
  /** Autosave delay after the last edit, in seconds. */
  autosaveSeconds: number;
  kernelsOnQuit: KernelsOnQuit;
  /** Days a kernel left running waits for the next start. */
  keptDays: number;
  theme: Theme;
  /** The SageMath image; empty for the one this version of SageDesk makes. */
  image: string;
}

export function toForm(settings: Settings): SettingsForm {
  return {
    memoryGib: settings.memoryBytes === null ? null : Math.round((settings.memoryBytes / GIB) * 100) / 100,
    cpus: settings.cpus,
    offline: settings.kernelsOffline,
    spare: settings.spareKernel,
    fontSize: settings.fontSize,
    maxMessageMib: Math.round(settings.maxMessageBytes / MIB),
    autosaveSeconds: settings.autosaveDelayMs / 1000,
    kernelsOnQuit: settings.kernelsOnQuit,
    keptDays: settings.kernelsKeptDays,
    theme: settings.theme,
    image: settings.image ?? '',
  };
}

/** A number field's value, or null when it is left empty (the machine's default). */
export function chosen(value: number | null | undefined): number | null {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value)) || String(value) === ''
    ? null
    : value;
}

/** What is wrong with the form, for people; null when it can be saved. */
export function formProblem(form: SettingsForm): string | null {
  const memory = chosen(form.memoryGib);
  const cpus = chosen(form.cpus);
  if (memory !== null && !(memory >= 0.5)) return 'A kernel needs at least 0.5 GiB of memory.';
  if (cpus !== null && !(cpus >= 0.1)) return 'A kernel needs at least 0.1 CPU.';
  if (!(form.maxMessageMib >= 1)) return 'A kernel may send messages of 1 MiB at least.';
  if (!(Number.isInteger(form.keptDays) && form.keptDays >= 1)) return 'A kernel left running waits 1 day at least.';
  if (!(form.autosaveSeconds >= 0.5 && form.autosaveSeconds <= 600)) return 'Autosave waits between 0.5 and 600 seconds.';
  if (!(form.fontSize >= 10 && form.fontSize <= 28)) return 'The text size is between 10 and 28 pixels.';
  if (/\s/.test(form.image.trim())) return 'An image name has no spaces.';
  return null;
}

/** `base` (the settings as loaded, with what the form does not show) changed by the form. */
export function fromForm(base: Settings, form: SettingsForm): Settings {
  const image = form.image.trim();
  const memory = chosen(form.memoryGib);
  return {
    ...base,
    memoryBytes: memory === null ? null : Math.round(memory * GIB),
    cpus: chosen(form.cpus),
    kernelsOffline: form.offline,
    spareKernel: form.spare,
    fontSize: Math.round(form.fontSize),
    maxMessageBytes: Math.round(form.maxMessageMib) * MIB,
    autosaveDelayMs: Math.round(form.autosaveSeconds * 1000),
    kernelsOnQuit: form.kernelsOnQuit,
    kernelsKeptDays: form.keptDays,
    theme: form.theme,
    image: image === '' ? null : image,
  };
}

/** What a kernel gets where the form leaves a limit empty, for people. */
export function defaultsText(defaults: KernelDefaults | null): { memory: string; cpus: string } {
  if (!defaults) return { memory: 'the machine\'s default', cpus: 'every core' };
  const cores = defaults.cores > 0 ? `all ${defaults.cores} cores` : 'every core';
  const of = defaults.engineMemoryBytes > 0 ? ` (half of ${formatMemory(defaults.engineMemoryBytes)})` : '';
  return { memory: `${formatMemory(defaults.memoryBytes)}${of}`, cpus: cores };
}
