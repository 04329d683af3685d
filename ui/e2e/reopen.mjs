#!/usr/bin/env node
// Quitting and coming back, through the real window: choose in Settings to
// leave kernels running at quit, run a cell that sets a variable, quit the
// app (SIGTERM, as a logout does: the same path as closing the window), and
// start it again. The second launch goes straight to the workspace and the
// notebook, shows the cells and outputs saved, and reattaches to the same
// kernel: the variable is still defined.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs), E2E_SCREENSHOT,
//   E2E_WORKSPACE (default: a new temporary folder), E2E_TIMEOUT_MS (how
//   long the first result may take; default 180000).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  APP,
  byTestId,
  cellOutput,
  click,
  inWindow,
  openWorkspace,
  runInCell,
  screenshot,
  sleep,
  startApp,
  waitFor,
  waitForCellOutput,
  waitForIdle,
  wd,
} from './webdriver.mjs';

const app = APP;
const cli = join(app, '../sagedesk');
const workspace = process.env.E2E_WORKSPACE ?? mkdtempSync(join(tmpdir(), 'sagedesk-e2e-'));
const screenshotPath = process.env.E2E_SCREENSHOT;
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 180_000);

/**
 * The pids of running copies of the app started for this script: those
 * with this script's data folder (run.sh gives each script its own), not
 * another copy someone else runs on the machine.
 */
function appPids() {
  let pids;
  try {
    pids = execFileSync('pgrep', ['-f', `^${app}`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  const mine = `XDG_DATA_HOME=${process.env.XDG_DATA_HOME ?? ''}`;
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(mine);
    } catch {
      return false;
    }
  });
}

/** What `sagedesk ls` says of each notebook's kernel. */
function kernels() {
  const listed = JSON.parse(execFileSync(cli, ['ls', '--json', '--workspace', workspace], { encoding: 'utf8' }));
  return Object.fromEntries(listed.map((/** @type {any} */ entry) => [entry.name, entry.kernel]));
}

/**
 * Prints what the window shows, and saves its screenshot beside the one
 * asked for, when a step failed.
 * @param {string} session
 */
async function showFailure(session) {
  try {
    console.error(`the window shows:\n${await inWindow(session, 'return document.body.innerText')}`);
    if (screenshotPath) await screenshot(session, screenshotPath.replace(/(\.png)?$/, '-failed.png'));
  } catch (error) {
    console.error(`no view of the window: ${error instanceof Error ? error.message : error}`);
  }
}

/** @param {string} session */
const closeSession = (session) =>
  wd('DELETE', `/session/${session}`).catch((error) => console.error(`closing the session: ${error.message}`));

async function firstLaunch() {
  const session = await startApp(app);
  try {
    await openWorkspace(session, workspace);
    await click(session, 'new-notebook');
    await waitFor('a cell', 30_000, () => byTestId(session, 'cell'));

    await click(session, 'open-settings');
    await click(session, 'quit-leave-running');
    await click(session, 'save-settings');
    await waitFor('the settings to close', 10_000, async () =>
      (await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="settings"][open]' }))
        .length === 0
        ? true
        : undefined,
    );

    await runInCell(session, 0, 'kept = 6*7; kept');
    await waitForCellOutput(session, 0, '42', (o) => o.text.trim() === '42', timeoutMs);
    await waitForIdle(session);
    // Saved with its output before quitting.
    await waitFor('the notebook saved with its output', 30_000, async () => {
      for (const name of readdirSync(workspace).filter((n) => n.endsWith('.ipynb'))) {
        const text = readFileSync(join(workspace, name), 'utf8');
        if (text.includes('kept = 6*7') && text.includes('"42"')) return name;
      }
      await sleep(250);
      return undefined;
    });

    // Quit as a logout does, and wait for the app to be gone.
    const pids = appPids();
    if (pids.length !== 1) throw new Error(`expected one app process, found ${pids.length}`);
    process.kill(pids[0], 'SIGTERM');
    await waitFor('the app to quit', 30_000, async () => (appPids().includes(pids[0]) ? undefined : true));
    console.log(`quit: pid ${pids[0]} exited after SIGTERM`);
  } catch (error) {
    await showFailure(session);
    throw error;
  } finally {
    await closeSession(session);
  }
  const states = kernels();
  console.log(`sagedesk ls after quitting: ${JSON.stringify(states)}`);
  if (Object.values(states)[0] !== 'left running') throw new Error('the kernel was not left running at quit');
}

async function secondLaunch() {
  const session = await startApp(app);
  try {
    // Straight back to the notebook, with what was saved.
    const saved = await waitForCellOutput(session, 0, 'the saved output 42', (o) => o.text.trim() === '42', 60_000);
    console.log(`reopened: cell 0 shows ${saved.text.trim()} without being run`);
    if ((await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="workspace-path"]' })).length) {
      throw new Error('the folder was asked for again');
    }
    await waitForIdle(session);

    // The same kernel: the variable is still there.
    const cells = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="cell"]' });
    const next = cells.length;
    await runInCell(session, next - 1, 'kept + 1');
    const output = await waitForCellOutput(session, next - 1, '43', (o) => o.text.trim() === '43', 60_000);
    console.log(`reattached: kept + 1 = ${output.text.trim()}`);
    console.log(`sagedesk ls while reattached: ${JSON.stringify(kernels())}`);
    if (screenshotPath) {
      await screenshot(session, screenshotPath);
      console.log(`screenshot: ${screenshotPath}`);
    }
    // Nothing else of the first run changed.
    const first = await cellOutput(session, 0);
    if (first?.text.trim() !== '42') throw new Error(`cell 0 now shows ${first?.text}`);
  } catch (error) {
    await showFailure(session);
    throw error;
  } finally {
    await closeSession(session);
  }
}

async function main() {
  if (!existsSync(app)) throw new Error(`no app at ${app}`);
  if (!existsSync(cli)) throw new Error(`no sagedesk command at ${cli}`);
  await firstLaunch();
  await secondLaunch();
  console.log('reopen: 1 passed, 0 failed');
}

main().catch((error) => {
  console.error(`reopen: FAILED: ${error.message}`);
  console.log('reopen: 0 passed, 1 failed');
  process.exitCode = 1;
});
