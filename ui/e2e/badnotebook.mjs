#!/usr/bin/env node
// A notebook file with outputs nbformat does not allow, of types SageDesk
// does not know, and larger than a run keeps, through the real window: it
// opens, each of its cells shows (the bad outputs as what can be made of
// them, or as a line saying they cannot be shown; the huge ones within the
// limits a run's outputs are kept in), an edit saves it back with every
// output as the file had it, and the next launch, which reopens the last
// notebook, shows it again.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs), E2E_SCREENSHOT,
//   E2E_WORKSPACE (default: a new temporary folder).

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  APP,
  ELEMENT,
  cellOutput,
  click,
  inWindow,
  openWorkspace,
  screenshot,
  sleep,
  startApp,
  waitFor,
  waitForCellOutput,
  wd,
} from './webdriver.mjs';

const workspace = process.env.E2E_WORKSPACE ?? mkdtempSync(join(tmpdir(), 'sagedesk-e2e-'));
const screenshotPath = process.env.E2E_SCREENSHOT;
const file = join(workspace, 'bad.ipynb');

/**
 * A code cell; keys in the order Jupyter sorts them.
 * @param {string} id
 * @param {string} source
 * @param {unknown[]} outputs
 */
const code = (id, source, outputs) => ({ cell_type: 'code', execution_count: 1, id, metadata: {}, outputs, source: [source] });
/** @param {string} text */
const plain = (text) => ({ data: { 'text/plain': [text] }, metadata: {}, output_type: 'display_data' });

const LINES = 200_000;
const BIG_BYTES = 51_000_000;

/** The notebook as the file holds it. */
const notebook = {
  cells: [
    code('before', "print('before')", [{ name: 'stdout', output_type: 'stream', text: ['before\n'] }]),
    code('no-traceback', "raise ValueError('no traceback')", [
      { ename: 'ValueError', evalue: 'stored without a traceback', output_type: 'error' },
    ]),
    code('no-data', 'show(x)', [{ metadata: {}, output_type: 'display_data' }]),
    code('unknown', 'w', [{ output_type: 'widget_state', state: { value: 1 } }, { text: 'an output with no type' }]),
    code('lines', 'for i in range(200000): print(i)', [
      { name: 'stdout', output_type: 'stream', text: Array.from({ length: LINES }, (_, i) => `${i}\n`) },
    ]),
    code('big', 'plot(x)', [
      {
        data: { 'image/png': `iVBOR${'A'.repeat(BIG_BYTES)}`, 'text/plain': ['Graphics object'] },
        metadata: {},
        output_type: 'display_data',
      },
    ]),
    code(
      'many',
      'for i in range(1500): show(i)',
      Array.from({ length: 1500 }, (_, i) => plain(String(i))),
    ),
    { cell_type: 'markdown', id: 'prose', metadata: {}, source: ['# After the bad outputs'] },
    code('after', '1+1', [{ data: { 'text/plain': ['2'] }, execution_count: 1, metadata: {}, output_type: 'execute_result' }]),
  ],
  metadata: { kernelspec: { display_name: 'SageMath 10.8', language: 'sage', name: 'sagemath' } },
  nbformat: 4,
  nbformat_minor: 5,
};

/**
 * What each cell shows, checked on the text of its output (the markdown cell apart).
 * @type {Array<{ what: string, check: (text: string) => boolean } | null>}
 */
const EXPECTED = [
  { what: 'before', check: (t) => t.trim() === 'before' },
  { what: 'the error with no traceback', check: (t) => t.includes('ValueError: stored without a traceback') },
  { what: 'the display with no data', check: (t) => t.includes('No way to show this output (no data)') },
  {
    what: 'the unknown outputs named',
    check: (t) => t.includes('an output of type "widget_state", which SageDesk cannot show') && t.includes('an output with no type'),
  },
  {
    what: 'the long stream cut',
    check: (t) => t.startsWith('0\n1\n2\n') && t.includes('\n499\n… 199,000 lines (1.3 MB) not kept …\n199500\n') && t.includes('\n199999'),
  },
  {
    what: 'the huge output as a notice',
    check: (t) => t.includes('output not kept: 51.0 MB of image/png, text/plain is more than the 50.0 MB'),
  },
  { what: 'the first and latest of many outputs', check: (t) => t.includes('500 outputs not kept') && t.includes('1499') },
  null,
  { what: 'the cell after them', check: (t) => t.trim() === '2' },
];

/**
 * Checks that every cell shows what it should.
 * @param {string} session
 */
async function checkCells(session) {
  const cells = await waitFor('the nine cells', 120_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="cell"]' });
    return found.length === notebook.cells.length ? found : undefined;
  });
  for (const [index, expected] of EXPECTED.entries()) {
    if (!expected) continue;
    const { what, check } = expected;
    const shown = await waitForCellOutput(session, index, what, (o) => check(o.text), 30_000);
    console.log(`cell ${index}: ${what}: ${shown.text.replace(/\s+/g, ' ').trim().slice(0, 110)}`);
  }
  const heading = await inWindow(
    session,
    'return document.querySelectorAll(\'[data-testid="cell"]\')[arguments[0]].querySelector("h1")?.textContent ?? null',
    [7],
  );
  if (heading !== 'After the bad outputs') throw new Error(`the markdown cell shows ${heading}`);
  const failed = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="output-failed"]' });
  if (failed.length) throw new Error(`${failed.length} output(s) could not be drawn`);
  // The window got the bounded outputs, not the file's 52 MB.
  const many = await inWindow(
    session,
    'return document.querySelectorAll(\'[data-testid="cell"]\')[6].querySelectorAll(".output").length',
  );
  if (many !== 1001) throw new Error(`the cell of 1,500 outputs shows ${many}`);
  return cells.length;
}

/**
 * The editor of the `index`th cell (markdown cells have none until edited).
 * @param {string} session
 * @param {number} index
 */
async function editorOf(session, index) {
  const cells = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: '[data-testid="cell"]' });
  const cell = cells[index]?.[ELEMENT];
  if (!cell) throw new Error(`no cell ${index}`);
  // Only the cells near the screen are drawn: this one is scrolled to first.
  await inWindow(session, 'arguments[0].scrollIntoView({ block: "nearest" }); return true;', [{ [ELEMENT]: cell }]);
  const editor = await waitFor(`the editor of cell ${index}`, 10_000, () =>
    wd('POST', `/session/${session}/element/${cell}/element`, { using: 'css selector', value: '[data-testid="cell-editor"]' }),
  );
  return editor[ELEMENT];
}

/**
 * Replaces the text of the `index`th cell's editor with `text`, without running it.
 * @param {string} session
 * @param {number} index
 * @param {string} text
 */
async function typeInCell(session, index, text) {
  const editor = await editorOf(session, index);
  await wd('POST', `/session/${session}/element/${editor}/click`, {});
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: '\uE009a\uE000' });
  await wd('POST', `/session/${session}/element/${editor}/value`, { text });
}

/** @param {string} session */
const closeSession = (session) =>
  wd('DELETE', `/session/${session}`).catch((error) => console.error(`closing the session: ${error.message}`));

/**
 * Prints what the window shows, and saves its screenshot beside the one
 * asked for, when a step failed.
 * @param {string} session
 */
async function showFailure(session) {
  try {
    const text = await inWindow(session, 'return document.body.innerText');
    console.error(`the window shows:\n${text.slice(0, 3000)}`);
    if (screenshotPath) await screenshot(session, screenshotPath.replace(/(\.png)?$/, '-failed.png'));
  } catch (error) {
    console.error(`no view of the window: ${error instanceof Error ? error.message : error}`);
  }
}

async function firstLaunch() {
  const session = await startApp(APP);
  try {
    await openWorkspace(session, workspace);
    await click(session, 'notebook-entry');
    const opened = Date.now();
    const count = await checkCells(session);
    console.log(`opened: ${count} cells shown ${Date.now() - opened} ms after the click`);
    if (screenshotPath) {
      await inWindow(session, 'document.querySelectorAll(\'[data-testid="cell"]\')[1].scrollIntoView({ block: "start" })');
      await screenshot(session, screenshotPath);
      // The huge outputs and the cells after them.
      const end = screenshotPath.replace(/(\.png)?$/, '-end.png');
      await inWindow(session, 'document.querySelectorAll(\'[data-testid="cell"]\')[5].scrollIntoView({ block: "start" })');
      await screenshot(session, end);
      console.log(`screenshots: ${screenshotPath}, ${end}`);
    }

    // An edit is saved with every output as the file had it.
    await typeInCell(session, 8, '1+2');
    const expected = structuredClone(notebook);
    expected.cells[8].source = ['1+2'];
    await waitFor('the edit saved', 30_000, async () => {
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      if (saved.cells[8].source.join('') !== '1+2') {
        await sleep(250);
        return undefined;
      }
      if (JSON.stringify(saved) !== JSON.stringify(expected)) {
        throw new Error('the saved notebook differs from the file beyond the edit');
      }
      return true;
    });
    console.log('saved: the edit, and every output as the file had it');
  } catch (error) {
    await showFailure(session);
    throw error;
  } finally {
    await closeSession(session);
  }
}

/** The app reopens the last notebook at launch: the file does not stop it. */
async function secondLaunch() {
  const session = await startApp(APP);
  try {
    await checkCells(session);
    const edited = await wd('GET', `/session/${session}/element/${await editorOf(session, 8)}/text`);
    if (edited !== '1+2') throw new Error(`the edited cell reads ${edited}`);
    console.log('relaunched: the notebook reopened at launch, every cell shown');
    const first = await cellOutput(session, 0);
    if (first?.text.trim() !== 'before') throw new Error(`cell 0 now shows ${first?.text}`);
  } catch (error) {
    await showFailure(session);
    throw error;
  } finally {
    await closeSession(session);
  }
}

async function main() {
  if (!existsSync(APP)) throw new Error(`no app at ${APP}`);
  writeFileSync(file, `${JSON.stringify(notebook, null, 1)}\n`);
  await firstLaunch();
  await secondLaunch();
  console.log('badnotebook: 1 passed, 0 failed');
}

main().catch((error) => {
  console.error(`badnotebook: FAILED: ${error.message}`);
  console.log('badnotebook: 0 passed, 1 failed');
  process.exitCode = 1;
});
