#!/usr/bin/env node
// End to end through the real window and the real Sage kernel: what a person
// who lives in notebooks reaches for every day. Help the Sage way: `factor?`
// shows the kernel's help in a pager under the cell (not saved into the
// file), and Shift+Tab in the editor shows the help at the cursor, all of it
// at a second press.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs),
//   E2E_SCREENSHOT_DIR  where to write the window's PNGs

import { chownSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  APP,
  ELEMENT,
  byTestId,
  click,
  inWindow,
  openWorkspace,
  runInCell,
  screenshot,
  startApp,
  textOf,
  waitFor,
  waitForIdle,
  wd,
} from './webdriver.mjs';

const workspace = mkdtempSync(join(tmpdir(), 'sagedesk-e2e-daily-'));
const shots = process.env.E2E_SCREENSHOT_DIR;

/** @param {string} session @param {string} name */
async function shot(session, name) {
  if (!shots) return;
  const path = join(shots, `${name}.png`);
  await screenshot(session, path);
  console.log(`screenshot: ${path}`);
}

/**
 * The help pager: `factor?` runs, its help shows under the cell, and the file keeps no output.
 * @param {string} session
 */
async function helpPager(session) {
  await runInCell(session, 0, 'factor?');
  const pager = await waitFor('the help pager', 120_000, () => byTestId(session, 'help-pager'));
  const text = await textOf(session, pager);
  if (!text.includes('Return the factorization of') || !text.includes('Signature:')) {
    throw new Error(`the pager shows ${text.slice(0, 200)}`);
  }
  const coloured = await inWindow(session, 'return document.querySelectorAll(\'[data-testid="help-pager"] pre span\').length');
  console.log(`help pager: ${text.split('\n')[0]} (${coloured} coloured runs)`);
  await waitForIdle(session);
  await shot(session, 'help-pager');
  const saved = await waitFor('the notebook saved after the cell', 10_000, () => {
    const nb = JSON.parse(readFileSync(join(workspace, 'Untitled.ipynb'), 'utf8'));
    return nb.cells[0]?.execution_count ? nb : undefined;
  });
  if (saved.cells[0].outputs.length !== 0) throw new Error(`help was saved: ${JSON.stringify(saved.cells[0].outputs)}`);
  console.log('help pager: not in the file');
}

/**
 * Shift+Tab in the editor: the first lines of the help, then all of it.
 * @param {string} session
 */
async function tooltip(session) {
  const editor = (await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="cell-editor"]' }))[0][
    ELEMENT
  ];
  await wd('POST', `/session/${session}/element/${editor}/click`, {});
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: '\uE009a\uE000' });
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: 'is_prime' });
  const shiftTab = '\uE008\uE004\uE000';
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: shiftTab });
  const first = await waitFor('the help tooltip', 30_000, () => byTestId(session, 'inspect-help'));
  const short = await inWindow(session, 'return document.querySelector(\'[data-testid="inspect-help"]\').dataset.expanded');
  const shortText = await textOf(session, first);
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: shiftTab });
  const expanded = await waitFor('the help tooltip expanded', 10_000, async () => {
    const state = await inWindow(session, 'const t = document.querySelector(\'[data-testid="inspect-help"]\'); return t && t.dataset.expanded');
    return state === 'true' ? state : undefined;
  });
  const longText = await textOf(session, await byTestId(session, 'inspect-help'));
  if (short !== 'false' || expanded !== 'true' || longText.length <= shortText.length) {
    throw new Error(`tooltip: ${short}/${expanded}, ${shortText.length} then ${longText.length} characters`);
  }
  console.log(`tooltip: ${shortText.split('\n').length} lines, then ${longText.split('\n').length} at the second Shift+Tab`);
  await shot(session, 'help-tooltip');
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: '\uE00C' });
}

async function main() {
  if (!existsSync(APP)) throw new Error(`no app at ${APP}`);
  chownSync(workspace, 1000, 1000);
  const session = await startApp(APP);
  try {
    await openWorkspace(session, workspace);
    await click(session, 'new-notebook');
    await waitFor('a cell', 30_000, () => byTestId(session, 'cell'));
    await helpPager(session);
    await tooltip(session);
    console.log('daily: 1 passed, 0 failed');
  } finally {
    await wd('DELETE', `/session/${session}`).catch((error) => console.error(`closing the session: ${error.message}`));
  }
}

main().catch((error) => {
  console.error(`daily: FAILED: ${error.message}`);
  console.log('daily: 0 passed, 1 failed');
  process.exitCode = 1;
});
