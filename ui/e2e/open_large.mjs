#!/usr/bin/env node
// A measurement, not a test (bench/all's `window` section runs it): in the
// real window,
// - from the app's launch (its process's start) to its first screen drawn
//   (the UI's `sagedesk-first-screen` performance mark), and to the web
//   view's first contentful paint;
// - opening a real 126-cell notebook with 61 typeset outputs (the tests'
//   fixtures: tests/fixtures/notebooks/vector_calc_cartesian.ipynb), from the click in the sidebar
//   until the cells and formulas drawn stop changing, and what the app and
//   its web view add in memory (proportional set size, summed over the
//   app's processes) once it is shown.
// It opens it twice, in a fresh app each time: as the app does (cells drawn
// near the screen only), and with every cell drawn (the window's
// `sagedesk.drawEveryCell` storage key), the baseline; OPEN_LARGE_FIRST=every
// opens the baseline first. The launch's baseline is a blank WebKitGTK
// window (bench/blank_webview.py --launch): from its process's start to its
// page loaded. Issue 15's goals: launch under 0.5 s; opening under 0.5 s and
// under 50 MiB.
//
// Run with ui/e2e/run.sh open_large.mjs (E2E_APP picks the build); bench/all
// --only window runs it in rounds. The last line printed is JSON.

import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { APP, byTestId, inWindow, openWorkspace, sleep, startApp, waitFor, wd } from './webdriver.mjs';

const CORPUS = new URL('../../tests/fixtures/notebooks/vector_calc_cartesian.ipynb', import.meta.url).pathname;
const BLANK = new URL('../../bench/blank_webview.py', import.meta.url).pathname;
const workspace = mkdtempSync(join(tmpdir(), 'sagedesk-open-large-'));
const CLOCK_TICKS = 100;

/** The app's processes: its own and WebKit's. */
function appPids() {
  const pids = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (/^(sagedesk-app|WebKitWebProces|WebKitNetworkPr)/.test(name)) pids.push({ pid, name });
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/** PSS in MiB, summed over the app's process and WebKit's processes. */
function pssMib() {
  let kib = 0;
  for (const { pid } of appPids()) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      kib += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return kib / 1024;
}

/** When the newest sagedesk-app process started, in ms since the epoch (to 10 ms). */
function appStartedAt() {
  let newest = 0;
  for (const { pid, name } of appPids()) {
    if (name !== 'sagedesk-app') continue;
    // Field 22 of stat, after the command in parentheses: start, in clock ticks after boot.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    newest = Math.max(newest, Number(fields[19]));
  }
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return Date.now() - (uptime - newest / CLOCK_TICKS) * 1000;
}

/** Forgets the workspace and notebook the last launch left open (a first launch: nothing reopened). */
function forgetLastLaunch() {
  const data = process.env.XDG_DATA_HOME;
  if (!data || !existsSync(data)) return;
  for (const app of readdirSync(data)) rmSync(join(data, app, 'settings.json'), { force: true });
}

/** Launches the app and measures its first screen; returns the session. */
async function launch() {
  forgetLastLaunch();
  const session = await startApp(APP);
  const startedAt = appStartedAt();
  const marks = await waitFor('the first screen', 60_000, async () =>
    (await inWindow(
      session,
      `const mark = performance.getEntriesByName('sagedesk-first-screen')[0];
       const paint = performance.getEntriesByName('first-contentful-paint')[0];
       return mark ? [performance.timeOrigin + mark.startTime, paint ? performance.timeOrigin + paint.startTime : null] : null;`,
    )) ?? undefined,
  );
  return {
    session,
    first_screen_ms: Math.round(marks[0] - startedAt),
    first_paint_ms: marks[1] === null ? null : Math.round(marks[1] - startedAt),
  };
}

/**
 * Cells in the notebook shown, those drawn, and formulas typeset.
 * @param {string} session
 */
const counts = (session) =>
  inWindow(
    session,
    `const page = document.querySelector('.page:not([hidden])');
     return page
       ? [page.querySelectorAll('[data-testid="cell"]').length,
          page.querySelectorAll('[data-testid="cell"][data-drawn="true"]').length,
          page.querySelectorAll('mjx-container').length]
       : [0, 0, 0];`,
  );

/**
 * One opening in a fresh app: as the app does, or with every cell drawn.
 * @param {boolean} everyCell
 */
async function open(everyCell) {
  const { session, first_screen_ms, first_paint_ms } = await launch();
  try {
    await inWindow(
      session,
      everyCell
        ? "localStorage.setItem('sagedesk.drawEveryCell', 'true'); return true;"
        : "localStorage.removeItem('sagedesk.drawEveryCell'); return true;",
    );
    await openWorkspace(session, workspace);
    const entry = await waitFor('the notebook in the sidebar', 60_000, () => byTestId(session, 'notebook-entry'));
    await sleep(3000);
    const before = pssMib();
    const started = Date.now();
    await wd('POST', `/session/${session}/element/${entry}/click`, {});
    let last = '';
    let changed = started;
    for (;;) {
      const now = JSON.stringify(await counts(session));
      if (now !== last) {
        last = now;
        changed = Date.now();
      } else if (Date.now() - changed > 2000 && JSON.parse(now)[0] > 0) {
        break;
      }
      await sleep(10);
    }
    const [cells, drawn, formulas] = JSON.parse(last);
    await sleep(2000);
    const after = pssMib();
    const figures = {
      every_cell: everyCell,
      first_screen_ms,
      first_paint_ms,
      cells,
      drawn,
      formulas,
      shown_ms: changed - started,
      pss_before_mib: Math.round(before * 10) / 10,
      pss_added_mib: Math.round((after - before) * 10) / 10,
    };
    console.log(
      `open_large (${everyCell ? 'every cell drawn' : 'as the app draws'}): first screen ${first_screen_ms} ms after launch; ` +
        `${drawn} of ${cells} cells and ${formulas} formulas drawn ${figures.shown_ms} ms after the click; ` +
        `PSS ${before.toFixed(1)} MiB before, +${figures.pss_added_mib} MiB`,
    );
    return figures;
  } finally {
    await wd('DELETE', `/session/${session}`).catch(() => {});
    // The app goes before the next one starts (two would share WebKit's caches).
    await waitFor('the app to quit', 30_000, async () =>
      appPids().some(({ name }) => name === 'sagedesk-app') ? undefined : true,
    );
  }
}

/** A blank WebKitGTK window's launch, from its process's start to its page loaded, in ms; null without PyGObject. */
function blankLaunch() {
  if (!existsSync('/usr/bin/python3')) return null;
  try {
    const out = execFileSync('/usr/bin/python3', [BLANK, '--launch'], { timeout: 60_000 }).toString();
    return JSON.parse(out.trim().split('\n').at(-1) ?? 'null')?.loaded_ms ?? null;
  } catch (error) {
    console.error(`no blank window to compare with: ${error}`);
    return null;
  }
}

copyFileSync(CORPUS, join(workspace, 'vector_calc_cartesian.ipynb'));
chownSync(workspace, 1000, 1000);
const order = process.env.OPEN_LARGE_FIRST === 'every' ? [true, false] : [false, true];
/** @type {Record<string, any>} */
const figures = {};
for (const everyCell of order) {
  const run = await open(everyCell);
  const side = everyCell ? 'every_cell' : 'windowed';
  for (const [key, value] of Object.entries(run)) if (key !== 'every_cell') figures[`${side}_${key}`] = value;
}
figures.blank_loaded_ms = blankLaunch();
// The app's launch, as the median of its two launches here.
figures.first_screen_ms = Math.round((figures.windowed_first_screen_ms + figures.every_cell_first_screen_ms) / 2);
console.log(JSON.stringify(figures));
