#!/usr/bin/env node
// End to end through the real window and the real Sage kernel: what a person
// who lives in notebooks reaches for every day. Help the Sage way: `factor?`
// shows the kernel's help in a pager under the cell (not saved into the
// file), and Shift+Tab in the editor shows the help at the cursor, all of it
// at a second press. Cells: each run's time under it and in the file; a
// queued cell taken out of the queue; copy and paste into another notebook
// with the outputs; delete and undo; merge; find with its count. Tabs.
// Export to HTML and a Sage script, and a PDF printed by the webview. The
// sidebar following notebooks other programs write.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs),
//   E2E_SCREENSHOT_DIR  where to write the window's PNGs

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  APP,
  ELEMENT,
  SHOWN,
  byTestId,
  click,
  inWindow,
  openWorkspace,
  runInCell,
  shot,
  startApp,
  textOf,
  waitFor,
  waitForIdle,
  wd,
} from './webdriver.mjs';

const workspace = mkdtempSync(join(tmpdir(), 'sagedesk-e2e-daily-'));
const shots = process.env.E2E_SCREENSHOT_DIR;

/**
 * Presses keys in the window (command mode: on the selected cell), as a
 * person does: each string is a key, `Shift+X` and `Ctrl+X` with modifiers.
 * @param {string} session
 * @param {string[]} presses
 */
async function keys(session, ...presses) {
  /** @type {Record<string, string>} */
  const named = { Shift: '\uE008', Ctrl: '\uE009', Up: '\uE013', Down: '\uE015', Escape: '\uE00C', Enter: '\uE007' };
  /** @type {Array<{ type: string, value: string }>} */
  const actions = [];
  for (const press of presses) {
    const parts = press.split('+');
    const held = parts.slice(0, -1).map((name) => named[name]);
    const last = parts.at(-1) ?? '';
    const key = named[last] ?? last;
    for (const k of held) actions.push({ type: 'keyDown', value: k });
    actions.push({ type: 'keyDown', value: key }, { type: 'keyUp', value: key });
    for (const k of held.reverse()) actions.push({ type: 'keyUp', value: k });
  }
  await wd('POST', `/session/${session}/actions`, { actions: [{ type: 'key', id: 'keyboard', actions }] });
  await wd('DELETE', `/session/${session}/actions`);
}

/**
 * What the cells show: each one's source (its editor's text, or its
 * markdown), its output's text, its prompt, and its time line.
 * @param {string} session
 * @returns {Promise<Array<{ id: string, source: string, output: string, count: string, time: string }>>}
 */
function cells(session) {
  return inWindow(
    session,
    `return [...document.querySelectorAll('${SHOWN} [data-testid="cell"]')].map((cell) => ({
       id: cell.dataset.cellId,
       source: (cell.querySelector('.cm-content') || cell).innerText.replace(/\u200b/g, ''),
       output: (cell.querySelector('[data-testid="cell-output"]') || { innerText: '' }).innerText,
       count: (cell.querySelector('[data-testid="execution-count"]') || { innerText: '' }).innerText,
       time: (cell.querySelector('[data-testid="cell-time"]') || { innerText: '' }).innerText,
     }));`,
  );
}

/**
 * Clicks the `index`th cell outside its editor, selecting it in command mode.
 * @param {string} session
 * @param {number} index
 */
async function select(session, index) {
  const gutter = await waitFor(`the gutter of cell ${index}`, 10_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} [data-testid="cell"] .gutter` });
    return found[index]?.[ELEMENT];
  });
  await wd('POST', `/session/${session}/element/${gutter}/click`, {});
}

/**
 * The notebook file as saved, once `check` passes on it.
 * @param {string} name
 * @param {(nb: any) => boolean} check
 * @param {string} what
 */
function savedWhen(name, check, what) {
  return waitFor(what, 15_000, () => {
    try {
      const nb = JSON.parse(readFileSync(join(workspace, name), 'utf8'));
      return check(nb) ? nb : undefined;
    } catch {
      return undefined;
    }
  });
}

/**
 * Run times, the queue, copy and paste between notebooks, undo, merge, find.
 * @param {string} session
 */
async function cellsEveryDay(session) {
  // Three cells: a slow one, one that prints, one behind them.
  await runInCell(session, 0, 'import time; time.sleep(10); print("slept")');
  await waitFor('cell 1', 10_000, async () => ((await cells(session)).length > 1 ? true : undefined));
  await runInCell(session, 1, 'print("never")');
  await waitFor('cell 2', 10_000, async () => ((await cells(session)).length > 2 ? true : undefined));
  await runInCell(session, 2, 'print(6 * 7)');
  await click(session, 'unqueue-cell', 1);
  const after = await waitFor('the slow cell and the one behind the unqueued one to finish', 60_000, async () => {
    const shown = await cells(session);
    return shown[0].output.includes('slept') && shown[2].output.includes('42') ? shown : undefined;
  });
  if (after[1].output.includes('never') || after[1].count.trim() !== '[ ]') {
    throw new Error(`the cell taken out of the queue ran: ${JSON.stringify(after[1])}`);
  }
  console.log(`queue: cell 1 taken out (prompt ${after[1].count.trim()}), cell 2 ran: ${after[2].output.trim()}`);
  if (!/^10\.\d s, finished at /.test(after[0].time)) throw new Error(`the slow cell's time line: ${after[0].time}`);
  console.log(`cell time: ${after[0].time}`);
  const timed = await savedWhen('Untitled.ipynb', (nb) => nb.cells[0]?.metadata?.execution?.['shell.execute_reply'], 'the run times in the file');
  console.log(`in the file: ${JSON.stringify(timed.cells[0].metadata.execution)}`);
  await shot(session, 'cell-time');

  // Copy the printing cell, paste it into a new notebook: with its output.
  await select(session, 2);
  await keys(session, 'c');
  await click(session, 'new-notebook');
  await waitFor('the second notebook', 30_000, async () => {
    const name = await inWindow(session, `const t = document.querySelector('${SHOWN} [role="toolbar"] .name'); return t && t.textContent`);
    return name === 'Untitled 2.ipynb' ? name : undefined;
  });
  await select(session, 0);
  await keys(session, 'v');
  const pasted = await waitFor('the pasted cell with its output', 10_000, async () => {
    const shown = await cells(session);
    return shown.length === 2 && shown[1].output.includes('42') ? shown : undefined;
  });
  const saved = await savedWhen('Untitled 2.ipynb', (nb) => nb.cells.length === 2 && nb.cells[1].outputs.length === 1, 'the pasted cell saved with its output');
  console.log(`pasted: "${pasted[1].source}" with "${pasted[1].output.trim()}"; saved with ${JSON.stringify(saved.cells[1].outputs[0].text)}`);

  // Delete it (D D) and bring it back (Z).
  await select(session, 1);
  await keys(session, 'd', 'd');
  await waitFor('the delete', 10_000, async () => ((await cells(session)).length === 1 ? true : undefined));
  await keys(session, 'z');
  const back = await waitFor('the undo', 10_000, async () => {
    const shown = await cells(session);
    return shown.length === 2 && shown[1].output.includes('42') ? shown : undefined;
  });
  console.log(`undo: the deleted cell is back with "${back[1].output.trim()}"`);

  // Select both (Shift+Down from the first) and merge them (Shift+M).
  await select(session, 0);
  await keys(session, 'Shift+Down', 'Shift+M');
  const merged = await waitFor('the merge', 10_000, async () => {
    const shown = await cells(session);
    return shown.length === 1 ? shown : undefined;
  });
  console.log(`merge: one cell: ${JSON.stringify(merged[0].source)}`);

  // Find: Ctrl+F, a query, its count.
  await keys(session, 'Ctrl+f');
  const box = await waitFor('the find bar', 10_000, () => byTestId(session, 'find-query'));
  await wd('POST', `/session/${session}/element/${box}/value`, { text: 'print' });
  const count = await waitFor('the match count', 10_000, async () => {
    const text = (await textOf(session, await byTestId(session, 'find-count'))).trim();
    return text === '1 of 1' ? text : undefined;
  });
  const marks = await inWindow(session, 'return document.querySelectorAll(".cm-find-current").length');
  console.log(`find: "print": ${count}, ${marks} marked as current`);
  await shot(session, 'find');
  await wd('POST', `/session/${session}/element/${box}/value`, { text: '\uE00C' });
}

/**
 * Calls one of the app's commands from the window, as its File menu does
 * once the system's save dialog (which WebDriver cannot drive) has given a
 * path; resolves to "ok" or the error.
 * @param {string} session
 * @param {string} command
 * @param {Record<string, unknown>} args
 * @returns {Promise<string>}
 */
function invoke(session, command, args) {
  return wd('POST', `/session/${session}/execute/async`, {
    script: `const done = arguments[arguments.length - 1];
      window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(() => done('ok'), (e) => done(JSON.stringify(e)));`,
    args: [command, args],
  });
}

/**
 * Export and print: the notebook shown, with a factorisation and typeset
 * maths, written as HTML, a Sage script and a PDF printed by the webview.
 * @param {string} session
 */
async function exportAndPrint(session) {
  await runInCell(session, 0, 'factor(2^64+1)');
  await waitFor('the factorisation', 120_000, async () =>
    (await cells(session)).some((c) => c.output.includes('274177 * 67280421310721')) ? true : undefined,
  );
  await waitFor('cell 1', 10_000, async () => ((await cells(session)).length > 1 ? true : undefined));
  await runInCell(session, 1, 'show(integrate(x^2*sin(x), x))');
  await waitFor('the typeset integral', 120_000, async () => {
    const n = await inWindow(session, 'return [...document.querySelectorAll(".page:not([hidden]) mjx-container")].length');
    return n > 0 ? n : undefined;
  });
  const path = /** @type {string} */ (await inWindow(session, 'return document.querySelector(\'[data-testid="tab"] [aria-selected="true"]\').closest("[data-testid=tab]").dataset.path'));
  const html = join(workspace, 'exported.html');
  const sage = join(workspace, 'exported.sage');
  const pdf = join(workspace, 'printed.pdf');
  for (const [format, destination] of [['html', html], ['sage', sage]]) {
    const answer = await invoke(session, 'export_notebook', { path, format, destination });
    if (answer !== 'ok') throw new Error(`export to ${format}: ${answer}`);
  }
  const page = readFileSync(html, 'utf8');
  if (!page.includes('274177 * 67280421310721') || !page.includes('MathJax')) throw new Error('the HTML has not the factorisation and MathJax');
  if (!readFileSync(sage, 'utf8').includes('factor(2^64+1)')) throw new Error('the Sage script has not the cell');
  console.log(`export: ${html} (${page.length} bytes, MathJax inside), ${sage}`);
  const printed = await invoke(session, 'print_to_pdf', { destination: pdf });
  if (printed !== 'ok') throw new Error(`print to PDF: ${printed}`);
  const text = execFileSync('pdftotext', [pdf, '-']).toString();
  if (!text.includes('274177 * 67280421310721')) throw new Error(`the PDF's text: ${text.slice(0, 300)}`);
  if (/Run all|New notebook|Interrupt/.test(text)) throw new Error(`the PDF shows the window around the notebook: ${text.slice(0, 300)}`);
  console.log(`pdf: ${pdf}, ${statSync(pdf).size} bytes; its text has the factorisation and none of the window around it`);
  if (shots) {
    // The PDF's first page as a picture (poppler's pdftoppm: ImageMagick's policy refuses PDFs).
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdf, join(shots, 'exported-pdf')]);
    console.log(`screenshot: ${join(shots, 'exported-pdf.png')}`);
  }
}

/**
 * A notebook another program writes into the workspace appears in the
 * sidebar by itself; removed, it goes.
 * @param {string} session
 */
async function sidebarFollows(session) {
  const listed = () =>
    inWindow(session, 'return [...document.querySelectorAll(\'[data-testid="notebook-entry"]\')].map((e) => e.textContent.trim())');
  const copied = join(workspace, 'from-elsewhere.ipynb');
  writeFileSync(copied, readFileSync(join(workspace, 'Untitled 2.ipynb')));
  const shown = await waitFor('the sidebar to list a notebook written by another program', 10_000, async () => {
    const names = /** @type {string[]} */ (await listed());
    return names.includes('from-elsewhere') ? names : undefined;
  });
  unlinkSync(copied);
  await waitFor('the sidebar to drop it once removed', 10_000, async () =>
    (/** @type {string[]} */ (await listed())).includes('from-elsewhere') ? undefined : true,
  );
  console.log(`sidebar: ${shown.join(', ')}; then without from-elsewhere once it was removed`);
}

/**
 * Tabs: both notebooks open, each shown as it was; Ctrl+Tab goes round;
 * closing a tab shows the other.
 * @param {string} session
 */
async function tabs(session) {
  /** @returns {Promise<{ tabs: string[], shown: string }>} */
  const state = () =>
    inWindow(
      session,
      `return {
         tabs: [...document.querySelectorAll('[data-testid="tab"]')].map((t) => t.dataset.path),
         shown: (document.querySelector('[data-testid="tab"] [aria-selected="true"]') || { textContent: '' }).textContent.trim(),
       };`,
    );
  const open = await state();
  if (open.tabs.join() !== 'Untitled.ipynb,Untitled 2.ipynb') throw new Error(`tabs: ${JSON.stringify(open)}`);
  const first = await waitFor('the first tab', 10_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="tab"] [role="tab"]' });
    return found[0]?.[ELEMENT];
  });
  await wd('POST', `/session/${session}/element/${first}/click`, {});
  const shown = await waitFor('the first notebook shown as it was', 10_000, async () => {
    const visible = await inWindow(
      session,
      `const page = [...document.querySelectorAll('.page')].find((p) => !p.hidden);
       return page && page.querySelector('[data-testid="cell-output"]').innerText;`,
    );
    return typeof visible === 'string' && visible.includes('slept') ? visible : undefined;
  });
  console.log(`tabs: ${open.tabs.join(', ')}; the first shows "${shown.split('\n')[0]}" again`);
  await shot(session, 'tabs');
  await keys(session, 'Ctrl+\uE004');
  await waitFor('Ctrl+Tab to show the second', 10_000, async () => ((await state()).shown.startsWith('Untitled 2') ? true : undefined));
  await click(session, 'close-tab');
  const left = await waitFor('one tab left', 10_000, async () => {
    const now = await state();
    return now.tabs.length === 1 ? now : undefined;
  });
  console.log(`tabs: Ctrl+Tab went round; after closing the first, ${left.tabs.join()} is left and shown`);
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
  const editor = (await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} [data-testid="cell-editor"]` }))[0][
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
    await cellsEveryDay(session);
    await tabs(session);
    await exportAndPrint(session);
    await sidebarFollows(session);
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
