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

import { ELEMENT, byTestId, screenshot, sleep, startApp, waitFor, wd } from './webdriver.mjs';

const app =
  process.env.E2E_APP ??
  join(process.env.CARGO_TARGET_DIR ?? join(import.meta.dirname, '../../target'), 'debug/sagedesk-app');
const workspace = process.env.E2E_WORKSPACE ?? mkdtempSync(join(tmpdir(), 'sagedesk-e2e-'));
const screenshotPath = process.env.E2E_SCREENSHOT;
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 180_000);
const EXPECTED = '274177 * 67280421310721';

/**
 * @param {string} session
 * @param {string} element
 */
const textOf = (session, element) => wd('GET', `/session/${session}/element/${element}/text`);

async function main() {
  if (!existsSync(app)) throw new Error(`no app at ${app}`);
  const session = await startApp(app);
  try {
    // The setup screen finds the engine and image, then offers a folder.
    const field = await waitFor('the workspace folder field', 120_000, () => byTestId(session, 'workspace-path'));
    await wd('POST', `/session/${session}/element/${field}/clear`, {});
    await wd('POST', `/session/${session}/element/${field}/value`, { text: workspace });
    await wd('POST', `/session/${session}/element/${await byTestId(session, 'open-workspace')}/click`, {});

    const create = await waitFor('the New notebook button', 30_000, () => byTestId(session, 'new-notebook'));
    await wd('POST', `/session/${session}/element/${create}/click`, {});
    await waitFor('a cell', 30_000, () => byTestId(session, 'cell'));

    // Type into the cell's editor and run it as a person would.
    const editor = await waitFor('the cell editor', 30_000, async () => {
      const found = await wd('POST', `/session/${session}/element`, {
        using: 'css selector',
        value: '[data-testid="cell-editor"] .cm-content, [data-testid="cell-editor"][contenteditable]',
      });
      return found[ELEMENT];
    });
    await wd('POST', `/session/${session}/element/${editor}/click`, {});
    await wd('POST', `/session/${session}/element/${editor}/value`, { text: 'factor(2^64+1)' });
    // Shift (held) + Enter, then release the modifiers.
    await wd('POST', `/session/${session}/element/${editor}/value`, { text: '\uE008\uE007\uE000' });

    const output = await waitFor(`the result ${EXPECTED}`, timeoutMs, async () => {
      const found = await wd('POST', `/session/${session}/elements`, {
        using: 'css selector',
        value: '[data-testid="cell-output"]',
      });
      for (const element of found) {
        const text = await textOf(session, element[ELEMENT]);
        if (text.includes(EXPECTED)) return text;
      }
      return undefined;
    });
    const status = await waitFor('the kernel to be idle', 30_000, async () => {
      const text = (await textOf(session, await byTestId(session, 'kernel-status'))).trim();
      return text === 'idle' ? text : undefined;
    });
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
