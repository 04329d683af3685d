#!/usr/bin/env node
// End to end through the real window and the real Sage kernel: notebook code
// swaps its own notebook for a link to a file outside the workspace. The
// app's save after the cell does not write through the link: the outside
// file stays as it was, the window says what happened, and the notebook goes
// on, with its output, under a new name beside the link.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs),
//   E2E_SCREENSHOT     where to write the window's PNG after the run

import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { APP, byTestId, inWindow, openWorkspace, runInCell, screenshot, startApp, textOf, waitFor, wd } from './webdriver.mjs';

const app = APP;
const top = mkdtempSync(join(tmpdir(), 'sagedesk-e2e-links-'));
const workspace = join(top, 'work');
const outside = join(top, 'outside.txt');
const screenshotPath = process.env.E2E_SCREENSHOT;

async function main() {
  if (!existsSync(app)) throw new Error(`no app at ${app}`);
  mkdirSync(workspace);
  // Owned by an ordinary user, as on a laptop: the kernel runs as them, and
  // may write in it.
  chownSync(workspace, 1000, 1000);
  writeFileSync(outside, "the user's own file\n");
  const before = readFileSync(outside);

  const session = await startApp(app);
  try {
    await openWorkspace(session, workspace);
    const create = await waitFor('the New notebook button', 30_000, () => byTestId(session, 'new-notebook'));
    await wd('POST', `/session/${session}/element/${create}/click`, {});
    await waitFor('a cell', 30_000, () => byTestId(session, 'cell'));

    await runInCell(
      session,
      0,
      "import os; os.remove('Untitled.ipynb'); os.symlink('../outside.txt', 'Untitled.ipynb'); print('swapped')",
    );
    const alert = await waitFor('the window to say the notebook was kept aside', 180_000, async () => {
      const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[role="alert"]' });
      for (const element of found) {
        const text = await textOf(session, Object.values(element)[0]);
        if (text.includes('outside the workspace')) return text;
      }
      return undefined;
    });
    console.log(`alert: ${alert}`);

    if (screenshotPath) await screenshot(session, screenshotPath);
    const names = await waitFor('the sidebar to list the kept notebook', 10_000, async () => {
      const listed = /** @type {string[]} */ (
        await inWindow(
          session,
          'return Array.from(document.querySelectorAll(\'[data-testid="notebook-entry"]\')).map(function (e) { return e.textContent.trim(); })',
        )
      );
      return listed.includes('Untitled (kept)') ? listed : undefined;
    });
    console.log(`sidebar: ${names.join(', ')}`);

    if (!readFileSync(outside).equals(before)) throw new Error('the outside file was written');
    const kept = JSON.parse(readFileSync(join(workspace, 'Untitled (kept).ipynb'), 'utf8'));
    const printed = JSON.stringify(kept.cells[0].outputs);
    if (!printed.includes('swapped')) throw new Error(`the kept notebook holds ${printed}`);
    console.log(`kept: ${join(workspace, 'Untitled (kept).ipynb')} with the cell's output; ${outside} unchanged`);

    console.log('links: 1 passed, 0 failed');
  } finally {
    await wd('DELETE', `/session/${session}`).catch((error) => console.error(`closing the session: ${error.message}`));
  }
}

main().catch((error) => {
  console.error(`links: FAILED: ${error.message}`);
  console.log('links: 0 passed, 1 failed');
  process.exitCode = 1;
});
