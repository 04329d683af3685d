import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, expect, it } from 'vitest';
import { emit } from '@tauri-apps/api/event';
import type { BuildEvent, ErrorBody, ImageInfo, PullProgress, Report } from '../types';
import EngineStatus from './EngineStatus.svelte';
import { noEngine, noImage, ready } from './fixtures';
import { sentence } from './text';
import { failure } from '../testing/failure';

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

it('says the image is missing and offers to set it up, not a command to run', async () => {
  shellAnswering(() => noImage);
  render(EngineStatus);

  const engine = await settled('engine-status', 'found');
  expect(engine.textContent).toContain(noImage.engine!.endpoint);
  const image = await settled('image-status', 'missing');
  expect(image.textContent).toContain(noImage.imageTag);
  expect(image.textContent).toContain('Downloads and installs SageMath once; a few minutes, about 1.5 GB.');
  const button = screen.getByTestId('prepare-image') as HTMLButtonElement;
  expect(button.textContent).toBe('Set up SageMath');
  expect(button.disabled).toBe(false);
  expect(image.textContent).not.toContain(shown(noImage.problem!.fix));
  expect(screen.queryByTestId('problem')).toBeNull();
  expect(screen.queryByTestId('setup-progress')).toBeNull();
});

it('offers no setup when the image is there or the engine is not', async () => {
  let answer = ready;
  shellAnswering(() => answer);
  render(EngineStatus);
  await settled('image-status', 'present');
  expect(screen.queryByTestId('prepare-image')).toBeNull();

  answer = noEngine;
  await fireEvent.click(screen.getByTestId('recheck'));
  await settled('image-status', 'unknown');
  expect(screen.queryByTestId('prepare-image')).toBeNull();
});

it('shows a failed command with its message and lets the person retry', async () => {
  let fail = true;
  mockIPC(() => {
    if (fail) throw failure('timeout', 'The engine check did not finish within 30 s');
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

// ---------------------------------------------------------------------------
// Setting the image up.

/** A `prepare_image` the shell was asked for: the test sends its events and ends it. */
interface FakeBuild {
  send(event: BuildEvent): void;
  pull(progress: PullProgress): void;
  succeed(image: ImageInfo): void;
  fail(error: ErrorBody): void;
}

/**
 * Stands in for the shell with the image missing: `prepare_image` runs until
 * the test ends it, and once one succeeds `engine_status` reports the image.
 */
function shellPreparing() {
  const calls: string[] = [];
  const builds: FakeBuild[] = [];
  let built = false;
  mockIPC(
    (command) => {
      calls.push(command);
      if (command === 'engine_status') return built ? ready : noImage;
      if (command === 'prepare_image') {
        return new Promise<ImageInfo>((resolve, reject) => {
          builds.push({
            send(event) {
              void emit('app-event', { kind: 'setup', event });
            },
            pull(progress) {
              void emit('app-event', { kind: 'pull', progress });
            },
            succeed(image) {
              built = true;
              resolve(image);
            },
            fail: reject,
          });
        });
      }
      throw new Error(`unexpected command ${command}`);
    },
    { shouldMockEvents: true },
  );
  return { calls, builds };
}

function progressBar(): HTMLProgressElement {
  return screen.getByTestId('setup-progress') as HTMLProgressElement;
}

it('shows the build as it goes, then checks again and shows the image', async () => {
  const { calls, builds } = shellPreparing();
  render(EngineStatus);
  await settled('image-status', 'missing');

  await fireEvent.click(screen.getByTestId('prepare-image'));
  expect(calls).toEqual(['engine_status', 'prepare_image']);
  const button = screen.getByTestId('prepare-image') as HTMLButtonElement;
  expect(button.disabled).toBe(true);
  expect((screen.getByTestId('recheck') as HTMLButtonElement).disabled).toBe(true);
  // Before the first step the bar has no value: it is indeterminate.
  expect(progressBar().hasAttribute('value')).toBe(false);

  const build = builds[0];
  build.send({ kind: 'step', index: 1, total: 20, instruction: 'FROM ghcr.io/sagemath/sagemath:10.8' });
  await waitFor(() => expect(progressBar().value).toBe(1));
  expect(progressBar().max).toBe(20);
  expect(screen.getByTestId('setup-step').textContent).toContain('Step 1 of 20: FROM ghcr.io/sagemath/sagemath:10.8');

  const install = `RUN apt-get update && apt-get install -y ${'texlive-latex-extra '.repeat(10)}\
  && rm -rf /var/lib/apt/lists/*`;
  build.send({ kind: 'step', index: 12, total: 20, instruction: install });
  build.send({ kind: 'output', line: 'Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]' });
  build.send({ kind: 'output', line: '   ' });
  await waitFor(() => expect(progressBar().value).toBe(12));
  expect(progressBar().max).toBe(20);
  const step = screen.getByTestId('setup-step').textContent!;
  expect(step).toContain('Step 12 of 20: RUN apt-get update && apt-get install');
  expect(step).toContain('…');
  expect(step).not.toContain('rm -rf');
  // The latest line that says something.
  expect(screen.getByTestId('setup-output').textContent!.trim()).toBe(
    'Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]',
  );
  expect(button.disabled).toBe(true);

  build.succeed(ready.image!);
  const image = await settled('image-status', 'present');
  expect(image.textContent).toContain(ready.image!.tag);
  expect(screen.queryByTestId('prepare-image')).toBeNull();
  expect(screen.queryByTestId('setup-progress')).toBeNull();
  expect(calls).toEqual(['engine_status', 'prepare_image', 'engine_status']);
});

it('tells the report to the app once the image is set up', async () => {
  const { builds } = shellPreparing();
  const reports: Array<Report | null> = [];
  render(EngineStatus, { onreport: (report) => reports.push(report) });
  await settled('image-status', 'missing');

  await fireEvent.click(screen.getByTestId('prepare-image'));
  builds[0].succeed(ready.image!);
  await settled('image-status', 'present');
  expect(reports).toEqual([null, noImage, null, ready]);
});

it('shows a failed setup with its message; Retry sets up again', async () => {
  const { calls, builds } = shellPreparing();
  render(EngineStatus);
  await settled('image-status', 'missing');

  await fireEvent.click(screen.getByTestId('prepare-image'));
  builds[0].send({ kind: 'step', index: 1, total: 20, instruction: 'FROM ghcr.io/sagemath/sagemath:10.8' });
  builds[0].fail(
    failure(
      'base_image_unavailable',
      'could not download ghcr.io/sagemath/sagemath:10.8: no route to host',
      'Connect to the internet so the base image can be downloaded, then try again.',
    ),
  );

  const problem = await screen.findByTestId('problem');
  expect(problem.textContent).toContain('Could not download ghcr.io/sagemath/sagemath:10.8: no route to host');
  expect(problem.textContent).toContain('internet');
  expect(screen.queryByTestId('setup-progress')).toBeNull();
  expect(screen.queryByTestId('prepare-image')).toBeNull();
  expect(screen.getByTestId('image-status').dataset.state).toBe('missing');

  await fireEvent.click(screen.getByTestId('retry'));
  expect(calls).toEqual(['engine_status', 'prepare_image', 'prepare_image']);
  expect(screen.queryByTestId('problem')).toBeNull();
  // The new run starts from nothing: no step of the failed one is shown.
  expect(progressBar().hasAttribute('value')).toBe(false);

  builds[1].send({ kind: 'step', index: 3, total: 20, instruction: 'COPY kernel.json /opt/' });
  await waitFor(() => expect(progressBar().value).toBe(3));
  builds[1].succeed(ready.image!);
  await settled('image-status', 'present');
  expect(calls).toEqual(['engine_status', 'prepare_image', 'prepare_image', 'engine_status']);
});

it('shows a pull by its bytes and layers', async () => {
  const { builds } = shellPreparing();
  render(EngineStatus);
  await settled('image-status', 'missing');
  await fireEvent.click(screen.getByTestId('prepare-image'));
  await waitFor(() => expect(builds).toHaveLength(1));

  builds[0].pull({ bytesDone: 312_000_000, bytesTotal: 1_400_000_000, layersDone: 5, layersTotal: 12, statusLine: 'Downloading' });
  await waitFor(() => expect(progressBar().value).toBe(312_000_000));
  expect(progressBar().max).toBe(1_400_000_000);
  expect(screen.getByTestId('setup-step').textContent).toBe('Downloading: 312 MB of 1.4 GB · 5 of 12 layers');
  expect(screen.getByTestId('setup-output').textContent).toBe('Downloading');

  builds[0].succeed(ready.image!);
  await settled('image-status', 'present');
});

it('tries a kernel once the image is there, and offers a retry when it cannot start', async () => {
  let attempts = 0;
  mockIPC((command) => {
    if (command === 'engine_status') return ready;
    if (command === 'check_kernel') {
      attempts += 1;
      if (attempts === 1) throw failure('kernel_dead', 'the kernel exited with code 1 while starting');
      return { version: 'passagemath version 10.8.13, Release Date: 2026-10-11', seconds: 4.25 };
    }
    throw new Error(`unexpected command ${command}`);
  });
  render(EngineStatus, { tryKernel: true });
  const row = await settled('kernel-check', 'failed');
  expect(row.textContent).toContain('The kernel exited with code 1 while starting');
  await fireEvent.click(within(row).getByRole('button', { name: /check again|retry/i }));
  await settled('kernel-check', 'done');
  expect(row.textContent).toContain('passagemath version 10.8.13');
  expect(row.textContent).toContain('answered in 4.3 s');
  expect(attempts).toBe(2);
});
