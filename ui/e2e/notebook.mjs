#!/usr/bin/env node
// End to end through the real window, the real shell and the real Sage
// kernel: open a workspace, make a notebook, type cells and run each with
// Shift+Enter, as a person would: a factorisation, a plot (an image with a
// width), typeset maths after `%display latex` (a MathJax element), an error
// (its traceback), HTML whose script runs in its frame and reaches nothing
// else, a 3D plot drawn by Sage's viewer, and an endless loop stopped from the toolbar (the kernel
// back to idle). Then read the outputs from the file the app saved.
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
  APP,
  ELEMENT,
  byTestId,
  cellOutput,
  click,
  inFrame,
  inWindow,
  openWorkspace,
  runInCell,
  screenshot,
  sleep,
  startApp,
  textOf,
  waitFor,
  waitForCellOutput,
  waitForIdle,
  waitForOutput,
  waitForStatus,
  wd,
} from './webdriver.mjs';

const app = APP;
const workspace = process.env.E2E_WORKSPACE ?? mkdtempSync(join(tmpdir(), 'sagedesk-e2e-'));
const screenshotPath = process.env.E2E_SCREENSHOT;
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 180_000);
const EXPECTED = '274177 * 67280421310721';
/** A cell whose HTML output's script says what it could reach. */
const HTML_PROBE =
  'from IPython.display import HTML; HTML(\'<p id="probe">waiting</p><script>' +
  'var r=[];r.push("internals:"+typeof window.__TAURI_INTERNALS__);' +
  'try{r.push("parent:"+typeof parent.__TAURI_INTERNALS__)}catch(e){r.push("parent:blocked")}' +
  'fetch("ipc://localhost/engine_status",{method:"POST"}).then(function(){r.push("ipc:reached")},function(){r.push("ipc:refused")})' +
  '.then(function(){document.getElementById("probe").textContent="script ran; "+r.join(" ")})</script>\')';

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
    console.log(`factor: ${output.trim()}; kernel-status: ${status}`);

    await runInCell(session, 1, 'plot(sin(x), (x, 0, 2*pi))');
    const plot = await waitForCellOutput(session, 1, 'an image', (o) => o.imageWidths.some((w) => w > 0));
    console.log(`plot: an image ${plot.imageWidths[0]} px wide`);

    await runInCell(session, 2, '%display latex');
    await waitForIdle(session);
    await runInCell(session, 3, 'integrate(x^2*sin(x), x)');
    const maths = await waitForCellOutput(session, 3, 'typeset maths', (o) => o.formulas > 0);
    console.log(`integrate: ${maths.formulas} MathJax element(s): ${maths.text.replace(/\s+/g, ' ').trim()}`);

    await runInCell(session, 4, '1/0');
    const error = await waitForCellOutput(session, 4, 'a ZeroDivisionError', (o) => o.text.includes('ZeroDivisionError'));
    console.log(`error: ${error.text.split('\n').find((line) => line.includes('ZeroDivisionError'))}`);
    await waitForIdle(session);
    if (screenshotPath) {
      // The plot's lower half, the maths and the error in one view.
      await inWindow(session, 'document.querySelectorAll(\'[data-testid="cell"]\')[4].scrollIntoView({ block: "end" })');
      await screenshot(session, screenshotPath);
      console.log(`screenshot: ${screenshotPath}`);
    }

    // HTML from a notebook: its script runs, in its frame, and reaches
    // neither the window nor the app's commands.
    await runInCell(session, 5, HTML_PROBE);
    const probe = await waitFor("the HTML output's script to report", 60_000, async () => {
      const frames = await wd('POST', `/session/${session}/elements`, {
        using: 'css selector',
        value: '[data-testid="cell-output"] iframe',
      });
      const frame = frames.at(-1)?.[ELEMENT];
      if (!frame) return undefined;
      const text = await inFrame(session, frame, () =>
        inWindow(session, 'var p = document.getElementById("probe"); return p ? p.textContent : null'),
      );
      return typeof text === 'string' && text.startsWith('script ran') ? text : undefined;
    });
    console.log(`html: ${probe}`);
    if (probe !== 'script ran; internals:undefined parent:blocked ipc:refused') {
      throw new Error(`an HTML output reached further than its frame: ${probe}`);
    }

    await runInCell(session, 6, 'while True: pass');
    await waitForStatus(session, 'busy');
    await sleep(500);
    const pressed = Date.now();
    await click(session, 'interrupt');
    await waitForStatus(session, 'idle', 10_000);
    const stopped = Date.now() - pressed;
    const interrupted = await waitForCellOutput(session, 6, 'KeyboardInterrupt', (o) => o.text.includes('KeyboardInterrupt'), 10_000);
    console.log(`interrupt: idle ${stopped} ms after the click; ${interrupted.text.split('\n').find((l) => l.includes('KeyboardInterrupt'))}`);

    // A million lines: a bounded view with its first and last lines, the
    // window answering all along, and everything printed kept aside.
    await runInCell(session, 7, 'for i in range(10^6): print(i)');
    let slowest = 0;
    const whole = await waitFor('the million lines, and the offer of all of them', 180_000, async () => {
      const asked = Date.now();
      await inWindow(session, 'return 1');
      slowest = Math.max(slowest, Date.now() - asked);
      const found = await wd('POST', `/session/${session}/elements`, {
        using: 'css selector',
        value: '[data-testid="open-whole-output"]',
      });
      return found.length ? textOf(session, found[0][ELEMENT]) : undefined;
    });
    const lines = await cellOutput(session, 7);
    const shown = lines?.text ?? '';
    if (!shown.startsWith('0\n1\n2\n') || !shown.includes('999999') || !/not kept/.test(shown)) {
      throw new Error(`the million lines show as: ${shown.slice(0, 80)} … ${shown.slice(-80)}`);
    }
    console.log(`million lines: ${shown.split('\n').length} lines shown; "${whole.trim()}"; the window answered within ${slowest} ms at worst`);
    await waitForIdle(session);

    // A 3D plot: Sage's viewer, in its frame, loads three.js from the
    // image's extensions (served by the shell) and draws on a canvas.
    await runInCell(session, 8, "var('y'); plot3d(x*y, (x,-1,1), (y,-1,1))");
    const viewer = await waitFor('the 3D viewer to draw', 60_000, async () => {
      const frames = await wd('POST', `/session/${session}/elements`, {
        using: 'css selector',
        value: '[data-testid="cell-output"] iframe',
      });
      const frame = frames.at(-1)?.[ELEMENT];
      if (!frame) return undefined;
      const seen = await inFrame(session, frame, async () => {
        const inner = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: 'iframe' });
        if (!inner.length) return undefined;
        return inFrame(session, inner[0][ELEMENT], () =>
          inWindow(session, 'return { three: typeof THREE, canvases: document.querySelectorAll("canvas").length }'),
        );
      });
      return seen && seen.three === 'object' && seen.canvases > 0 ? seen : undefined;
    });
    console.log(`plot3d: three.js loaded, ${viewer.canvases} canvas`);
    if (screenshotPath) {
      const drawn = screenshotPath.replace(/(\.png)?$/, '-3d.png');
      await inWindow(session, 'document.querySelectorAll(\'[data-testid="cell"]\')[8].scrollIntoView({ block: "end" })');
      await sleep(1000);
      await screenshot(session, drawn);
      console.log(`screenshot: ${drawn}`);
    }

    // The app saved the notebook with its outputs, as Jupyter would read them.
    const saved = await waitFor('the notebook saved with its outputs', 30_000, async () => {
      for (const name of readdirSync(workspace).filter((n) => n.endsWith('.ipynb'))) {
        const notebook = JSON.parse(readFileSync(join(workspace, name), 'utf8'));
        const code = notebook.cells.filter((/** @type {any} */ c) => c.cell_type === 'code');
        const data = (/** @type {number} */ i) => code[i]?.outputs?.find((/** @type {any} */ o) => o.data)?.data ?? {};
        const plain = data(0)['text/plain'];
        const text = Array.isArray(plain) ? plain.join('') : plain;
        const ok =
          text === EXPECTED &&
          code[0].execution_count === 1 &&
          typeof data(1)['image/png'] === 'string' &&
          ('text/latex' in data(3) || 'text/html' in data(3)) &&
          code[4]?.outputs?.some((/** @type {any} */ o) => o.output_type === 'error' && o.ename === 'ZeroDivisionError') &&
          'text/html' in data(5) &&
          code[6]?.outputs?.some((/** @type {any} */ o) => o.output_type === 'error' && o.ename === 'KeyboardInterrupt');
        if (ok) return name;
      }
      await sleep(250);
      return undefined;
    });
    console.log(`saved: ${join(workspace, saved)}`);

    // The status bar says when the notebook was saved, as a time.
    const savedAt = await waitFor('the save time in the status bar', 30_000, async () => {
      const title = await inWindow(session, 'return document.querySelector(\'[data-testid="save-status"]\')?.title ?? ""');
      return /^Saved at \d{1,2}:\d{2}/.test(title) && !title.includes('Invalid') ? title : undefined;
    });
    console.log(`save status: ${savedAt}`);
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
