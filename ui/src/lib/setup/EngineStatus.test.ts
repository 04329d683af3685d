import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, expect, it } from 'vitest';
import type { Report } from '../types';
import EngineStatus from './EngineStatus.svelte';
import { noEngine, noImage, ready } from './fixtures';
import { sentence } from './text';

afterEach(() => {
  clearMocks();
});

/** Stands in for the shell: answers `engine_status` with `answer()`, counts the calls. */
function shellAnswering(answer: () => Report | Promise<Report>) {
  const calls: string[] = [];
  mockIPC((command) => {
    calls.push(command);
    if (command === 'engine_status') return answer();
    throw new Error(`unexpected command ${command}`);
  });
  return calls;
}

/** A message as the notice shows it: as a sentence, commands as code (no backticks). */
function shown(message: string): string {
  return sentence(message).replaceAll('`', '');
}

async function settled(testId: string, state: string): Promise<HTMLElement> {
  const element = screen.getByTestId(testId);
  await waitFor(() => expect(element.dataset.state).toBe(state));
  return element;
}

it('shows where the engine is, its version, and the image with its size', async () => {
  const calls = shellAnswering(() => ready);
  render(EngineStatus);

  expect(screen.getByTestId('engine-status').dataset.state).toBe('checking');
  const engine = await settled('engine-status', 'found');
  expect(engine.textContent).toContain('unix:///var/run/docker.sock');
  expect(engine.textContent).toContain('the usual Docker socket');
  expect(engine.textContent).toContain('Docker Engine 20.10.24+dfsg1');
  expect(engine.textContent).toContain('API 1.41');
  expect(engine.textContent).toContain('linux/amd64');

  const image = await settled('image-status', 'present');
  expect(image.textContent).toContain(ready.image!.tag);
  expect(image.textContent).toContain('5.3 GB');
  expect(image.textContent).toContain('10.8');
  expect(screen.queryByTestId('problem')).toBeNull();
  expect(calls).toEqual(['engine_status']);
});

it('shows the problem, what was tried and the fix; Retry checks again', async () => {
  let answer = noEngine;
  const calls = shellAnswering(() => answer);
  render(EngineStatus);

  const engine = await settled('engine-status', 'problem');
  const problem = noEngine.problem!;
  expect(engine.textContent).toContain(shown(problem.message));
  expect(engine.textContent).toContain(shown(problem.fix));
  // Commands in the fix are shown as code.
  expect([...engine.querySelectorAll('.fix code')].map((c) => c.textContent)).toEqual([
    'sudo systemctl start docker',
    'sudo dockerd',
  ]);
  for (const place of problem.tried) expect(engine.textContent).toContain(place);
  expect(screen.getByTestId('image-status').dataset.state).toBe('unknown');

  // The person starts the engine and presses Retry.
  answer = ready;
  await fireEvent.click(screen.getByTestId('retry'));
  await settled('engine-status', 'found');
  expect(screen.queryByTestId('problem')).toBeNull();
  expect(calls).toEqual(['engine_status', 'engine_status']);
});

it('says the image is missing when the engine answers without it', async () => {
  shellAnswering(() => noImage);
  render(EngineStatus);

  const engine = await settled('engine-status', 'found');
  expect(engine.textContent).toContain(noImage.engine!.endpoint);
  const image = await settled('image-status', 'missing');
  expect(image.textContent).toContain(noImage.imageTag);
  expect(image.textContent).toContain(shown(noImage.problem!.message));
  expect(image.textContent).toContain(shown(noImage.problem!.fix));
  expect(screen.getAllByTestId('problem')).toHaveLength(1);
});

it('shows a failed command with its message and lets the person retry', async () => {
  let fail = true;
  mockIPC(() => {
    if (fail) throw { code: 'timeout', message: 'The engine check did not finish within 30 s' };
    return ready;
  });
  render(EngineStatus);

  const engine = await settled('engine-status', 'error');
  expect(engine.textContent).toContain('did not finish within 30 s');

  fail = false;
  await fireEvent.click(screen.getByTestId('retry'));
  await settled('engine-status', 'found');
});

it('offers no second check while one is running', async () => {
  let release: (report: Report) => void = () => {};
  const calls = shellAnswering(() => new Promise<Report>((resolve) => (release = resolve)));
  render(EngineStatus);

  const recheck = screen.getByTestId('recheck') as HTMLButtonElement;
  expect(recheck.disabled).toBe(true);
  expect(screen.queryByTestId('retry')).toBeNull();
  release(ready);
  await settled('engine-status', 'found');
  expect(recheck.disabled).toBe(false);

  await fireEvent.click(recheck);
  expect(screen.getByTestId('engine-status').dataset.state).toBe('checking');
  expect(recheck.disabled).toBe(true);
  release(ready);
  await settled('engine-status', 'found');
  expect(calls).toEqual(['engine_status', 'engine_status']);
});
