#!/usr/bin/env node
// End to end through the real window, the real shell and the real Sage
// kernel: open a workspace, make a notebook, type a cell, run it with
// Shift+Enter, and read the result from the window and from the file the
// app saved.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs),
//   E2E_WORKSPACE      the workspace folder (default: a new temporary one)
//   E2E_SCREENSHOT     where to write the window's PNG after the run
//   E2E_TIMEOUT_MS     how long the first result may take (default 180000:
//                      the kernel may still be starting)

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  byTestId,
  openWorkspace,
  runInCell,
  screenshot,
  sleep,
  startApp,
  waitFor,
  waitForIdle,
  waitForOutput,
  wd,
} from './webdriver.mjs';

const app =
  process.env.E2E_APP ??
  join(process.env.CARGO_TARGET_DIR ?? join(import.meta.dirname, '../../target'), 'debug/sagedesk-app');
const workspace = process.env.E2E_WORKSPACE ?? mkdtempSync(join(tmpdir(), 'sagedesk-e2e-'));
const screenshotPath = process.env.E2E_SCREENSHOT;
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 180_000);
const EXPECTED = '274177 * 67280421310721';

async function main() {
  if (!existsSync(app)) throw new Error(`no app at ${app}`);
  const session = await startApp(app);
  try {
    await openWorkspace(session, workspace);

    const create = await waitFor('the New notebook button', 30_000, () => byTestId(session, 'new-notebook'));
    await wd('POST', `/session/${session}/element/${create}/click`, {});
    await waitFor('a cell', 30_000, () => byTestId(session, 'cell'));

    await runInCell(session, 0, 'factor(2^64+1)');
    const output = await waitForOutput(session, EXPECTED, timeoutMs);
    const status = await waitForIdle(session);
    console.log(`cell output: ${output.trim()}\nkernel-status: ${status}`);
    if (screenshotPath) {
      await screenshot(session, screenshotPath);
      console.log(`screenshot: ${screenshotPath}`);
    }

    // The app saved the notebook with the output, as Jupyter would read it.
    const saved = await waitFor('the notebook saved with its output', 30_000, async () => {
      for (const name of readdirSync(workspace).filter((n) => n.endsWith('.ipynb'))) {
        const notebook = JSON.parse(readFileSync(join(workspace, name), 'utf8'));
        const cell = notebook.cells.find((/** @type {any} */ c) => c.cell_type === 'code');
        const plain = cell?.outputs?.[0]?.data?.['text/plain'];
        const text = Array.isArray(plain) ? plain.join('') : plain;
        if (text === EXPECTED && cell.execution_count === 1) return name;
      }
      await sleep(250);
      return undefined;
    });
    console.log(`saved: ${join(workspace, saved)}`);
    console.log('notebook: 1 passed, 0 failed');
  } finally {
    await wd('DELETE', `/session/${session}`).catch((error) => console.error(`closing the session: ${error.message}`));
  }
}

main().catch((error) => {
  console.error(`notebook: FAILED: ${error.message}`);
  console.log('notebook: 0 passed, 1 failed');
  process.exitCode = 1;
});
