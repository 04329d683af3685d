#!/usr/bin/env node
// End to end through the real window: a long notebook by others (the tests'
// fixtures: vector_calc_cartesian.ipynb, 126 cells, 61 typeset outputs) is
// drawn near the screen only. Cells far below are held in place but not
// drawn; scrolling to the end draws them with their maths, and the cells
// left above are let go. Printing to PDF from the File menu still prints
// every cell, from the first to the last. Then a notebook with an HTML
// output that mixes tags and TeX, as Sage's `table()` writes it: its maths
// is typeset inside its sandboxed frame; a markdown cell showing an image
// of the workspace by its relative path, and the reason it does not show
// one outside; and an image pasted into it, attached and saved. Last, the
// command line's PDF, printed by the app.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs),
//   E2E_SCREENSHOT_DIR  where to write the window's PNGs

import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

import { APP, ELEMENT, SHOWN, click, inFrame, inWindow, openFromSidebar, openWorkspace, screenshot, sleep, startApp, waitFor, wd } from './webdriver.mjs';

const CORPUS = new URL('../../tests/fixtures/notebooks/vector_calc_cartesian.ipynb', import.meta.url).pathname;
const workspace = mkdtempSync(join(tmpdir(), 'sagedesk-e2e-large-'));
const shots = process.env.E2E_SCREENSHOT_DIR;

/**
 * The notebook's cells: how many, which are drawn, and the formulas typeset in each.
 * @param {string} session
 * @returns {Promise<Array<[boolean, number]>>}
 */
const state = (session) =>
  inWindow(
    session,
    `return [...document.querySelectorAll('${SHOWN} [data-testid="cell"]')].map((cell) =>
       [cell.dataset.drawn === 'true', cell.querySelectorAll('mjx-container').length]);`,
  );

/**
 * Types `path` into the system's save dialog once it is open, and saves.
 * @param {string} path
 */
async function chooseInSaveDialog(path) {
  const xdo = (/** @type {string[]} */ ...args) => execFileSync('xdotool', args, { env: process.env }).toString().trim();
  const dialog = await waitFor('the save dialog', 30_000, async () => {
    try {
      return xdo('search', '--onlyvisible', '--name', '^Save') || undefined;
    } catch {
      return undefined;
    }
  });
  const id = dialog.split('\n')[0];
  // No window manager under Xvfb: the focus is given, and the keys typed to it.
  xdo('windowfocus', '--sync', id);
  await sleep(300);
  xdo('key', 'ctrl+a');
  xdo('type', '--delay', '5', path);
  xdo('key', 'Return');
}

copyFileSync(CORPUS, join(workspace, 'vector_calc_cartesian.ipynb'));
// A 1×1 PNG in a folder beside the notebook.
const DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
mkdirSync(join(workspace, 'fig'));
writeFileSync(join(workspace, 'fig', 'dot.png'), Buffer.from(DOT_PNG, 'base64'));
// Sage's table([[x^2, 1/2]]), as SageMath 10 shows it.
const TABLE =
  '<div class="notruncate">\n<table class="table_form">\n<tbody>\n<tr class ="row-a">\n' +
  '<td style="text-align:left">\\(x^{2}\\)</td>\n<td style="text-align:left">\\(\\frac{1}{2}\\)</td>\n</tr>\n</tbody>\n</table>\n</div>';
writeFileSync(
  join(workspace, 'table.ipynb'),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        id: 'figure',
        cell_type: 'markdown',
        metadata: {},
        source: '![the figure](fig/dot.png) ![a secret](../../etc/passwd)',
      },
      {
        id: 'table',
        cell_type: 'code',
        execution_count: 1,
        metadata: {},
        source: 'table([[x^2, 1/2]])',
        outputs: [
          { output_type: 'execute_result', execution_count: 1, metadata: {}, data: { 'text/html': TABLE, 'text/plain': '  x^2   1/2' } },
        ],
      },
    ],
  }),
);
chownSync(workspace, 1000, 1000);
const session = await startApp(APP);
try {
  await openWorkspace(session, workspace);
  await waitFor('both notebooks listed', 30_000, async () =>
    (await inWindow(session, `return document.querySelectorAll('[data-testid="notebook-entry"]').length`)) === 2 ? true : undefined,
  );
  await inWindow(
    session,
    `[...document.querySelectorAll('[data-testid="notebook-entry"]')].find((e) => e.textContent.includes('vector_calc')).click(); return true;`,
  );
  const opened = await waitFor('the notebook drawn', 60_000, async () => {
    const cells = await state(session);
    return cells.length === 126 && cells[0][0] && cells.slice(0, 8).some(([, maths]) => maths > 0) ? cells : undefined;
  });
  const drawn = opened.filter(([isDrawn]) => isDrawn).length;
  if (drawn >= 126 || opened[125][0]) throw new Error(`every cell is drawn at opening (${drawn} of 126)`);
  console.log(`opened: ${drawn} of 126 cells drawn, the last one not`);

  // To the end: the last cells are drawn, with their maths; the first are let go.
  await inWindow(session, `const box = document.querySelector('${SHOWN} .cells'); box.scrollTop = box.scrollHeight; return true;`);
  const scrolled = await waitFor('the last cells drawn', 30_000, async () => {
    const cells = await state(session);
    const last = cells.slice(-6);
    // The first cell stays drawn: it is the selected one, which the keys act on.
    return cells[125][0] && last.some(([, maths]) => maths > 0) && !cells[1][0] ? cells : undefined;
  });
  // The scroll box reached its end and stays there: held heights are the drawn ones.
  await sleep(500);
  const atEnd = await inWindow(
    session,
    `const box = document.querySelector('${SHOWN} .cells'); return box.scrollHeight - box.scrollTop - box.clientHeight;`,
  );
  console.log(`scrolled to the end: ${scrolled.filter(([d]) => d).length} cells drawn, those above let go but the selected first; ${Math.round(atEnd)} px left below`);
  if (shots) {
    await screenshot(session, join(shots, 'large-end.png'));
    console.log(`screenshot: ${join(shots, 'large-end.png')}`);
  }

  // Print to PDF from the File menu, the file chosen in the system's save
  // dialog (GTK's, which WebDriver cannot reach) with keys, as a person would.
  const pdf = join(workspace, 'whole.pdf');
  await click(session, 'export');
  await click(session, 'export-pdf');
  await chooseInSaveDialog(pdf);
  await waitFor('the PDF', 180_000, async () => {
    if (existsSync(pdf)) return true;
    const note = await inWindow(session, `return document.querySelector('${SHOWN} [data-testid="file-note"]')?.textContent ?? null`);
    if (note && note.startsWith('Could not')) throw new Error(note);
    return undefined;
  });
  await waitFor('the print to end', 180_000, async () => {
    const note = await inWindow(session, `return document.body.innerText.includes('Printed to ${pdf}')`);
    return note ? true : undefined;
  });
  const text = execFileSync('pdftotext', [pdf, '-']).toString().replace(/\s+/g, ' ');
  for (const expected of ['Vector calculus with SageMath', 'By default the LaTeX symbols of the coordinate']) {
    if (!text.includes(expected)) throw new Error(`the PDF has not "${expected}": ${text.slice(0, 300)}`);
  }
  const pages = execFileSync('pdfinfo', [pdf]).toString().match(/Pages:\s+(\d+)/)?.[1];
  console.log(`printed: ${pdf}, ${pages} pages, from the first cell's text to the last's`);
  const after = await state(session);
  if (after.every(([d]) => d)) throw new Error('every cell stays drawn after printing');

  // The table: its maths typeset inside its frame.
  await inWindow(
    session,
    `[...document.querySelectorAll('[data-testid="notebook-entry"]')].find((e) => e.textContent.includes('table')).click(); return true;`,
  );
  const frame = await waitFor('the table frame', 30_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} iframe` });
    return found.length === 1 ? found[0][ELEMENT] : undefined;
  });
  const typeset = await waitFor('the maths typeset in the frame', 60_000, () =>
    inFrame(session, frame, async () => {
      const n = await inWindow(session, `return document.querySelectorAll('td mjx-container').length`);
      return n === 2 ? n : undefined;
    }),
  );
  const height = await inWindow(session, `return document.querySelector('${SHOWN} iframe').getBoundingClientRect().height`);
  const figure = await waitFor('the workspace image', 30_000, async () =>
    (await inWindow(
      session,
      `const img = document.querySelector('${SHOWN} .markdown img');
       const missing = document.querySelector('${SHOWN} [data-testid="missing-image"]');
       return img && img.complete && img.naturalWidth === 1 && missing ? missing.textContent : null;`,
    )) ?? undefined,
  );
  if (!/leads out of the workspace/.test(figure)) throw new Error(`the image outside: ${figure}`);
  console.log(`markdown: fig/dot.png shown from the workspace; outside it: ${figure}`);
  console.log(`table: ${typeset} formulas typeset inside its frame, which is ${Math.round(height)} px high`);
  if (shots) {
    await screenshot(session, join(shots, 'table-frame.png'));
    console.log(`screenshot: ${join(shots, 'table-frame.png')}`);
  }

  // An image pasted into the markdown cell becomes its attachment, shown
  // and saved in the file as nbformat keeps attachments.
  await inWindow(session, `document.querySelector('${SHOWN} .markdown').closest('.rendered').dispatchEvent(new MouseEvent('dblclick', { bubbles: true })); return true;`);
  await waitFor('the markdown editor', 10_000, async () =>
    (await inWindow(session, `return !!document.querySelector('${SHOWN} [data-cell-type="markdown"] [data-testid="cell-editor"]')`)) ? true : undefined,
  );
  await inWindow(
    session,
    `const editor = document.querySelector('${SHOWN} [data-cell-type="markdown"] [data-testid="cell-editor"]');
     const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
     const data = new DataTransfer();
     data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
     editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
     return true;`,
    [DOT_PNG],
  );
  const source = await waitFor('the attachment in the source', 10_000, async () => {
    const text = await inWindow(session, `return document.querySelector('${SHOWN} [data-cell-type="markdown"] [data-testid="cell-editor"]').textContent`);
    return text.includes('attachment:image.png') ? text : undefined;
  });
  await wd('POST', `/session/${session}/actions`, {
    actions: [{ type: 'key', id: 'keys', actions: [{ type: 'keyDown', value: '\uE008' }, { type: 'keyDown', value: '\uE007' }, { type: 'keyUp', value: '\uE007' }, { type: 'keyUp', value: '\uE008' }] }],
  });
  await waitFor('the pasted image shown', 10_000, async () =>
    (await inWindow(session, `return [...document.querySelectorAll('${SHOWN} .markdown img')].some((img) => img.src.startsWith('data:image/png') && img.alt === 'image.png')`)) ? true : undefined,
  );
  const attached = await waitFor('the attachment saved', 30_000, async () => {
    const cell = JSON.parse(readFileSync(join(workspace, 'table.ipynb'), 'utf8')).cells.find((/** @type {{ id: string }} */ c) => c.id === 'figure');
    return cell.attachments?.['image.png']?.['image/png'] === DOT_PNG ? cell : undefined;
  });
  console.log(`pasted: ${source.trim()}; saved as the cell's attachment (${Object.keys(attached.attachments).join(', ')})`);
  if (shots) {
    await screenshot(session, join(shots, 'pasted-image.png'));
    console.log(`screenshot: ${join(shots, 'pasted-image.png')}`);
  }

  // A PDF a kernel showed (the one printed above): offered as a document,
  // saved where the person chooses, byte for byte.
  const printed = readFileSync(pdf);
  writeFileSync(
    join(workspace, 'document.ipynb'),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          id: 'doc',
          cell_type: 'code',
          execution_count: 1,
          metadata: {},
          source: "display({'application/pdf': pdf_data}, raw=True)",
          outputs: [{ output_type: 'display_data', metadata: {}, data: { 'application/pdf': printed.toString('base64'), 'text/plain': '<PDF>' } }],
        },
      ],
    }),
  );
  chownSync(join(workspace, 'document.ipynb'), 1000, 1000);
  await openFromSidebar(session, 'document');
  const offered = await waitFor('the PDF output', 30_000, async () =>
    (await inWindow(session, `return document.querySelector('${SHOWN} [data-testid="output-pdf"]')?.textContent ?? null`)) ?? undefined,
  );
  const savedPdf = join(workspace, 'saved output.pdf');
  await click(session, 'output-pdf-save');
  await chooseInSaveDialog(savedPdf);
  await waitFor('the saved PDF', 30_000, async () => (existsSync(savedPdf) && readFileSync(savedPdf).equals(printed) ? true : undefined));
  console.log(`PDF output: "${offered.trim()}", saved as the same ${printed.length} bytes`);
  if (shots) {
    await screenshot(session, join(shots, 'pdf-output.png'));
    console.log(`screenshot: ${join(shots, 'pdf-output.png')}`);
  }

  // The native menu bar, with real keys and clicks (xdotool: GTK's menus
  // are not in the page). No window manager: the window is at 0,0.
  const xdo = (/** @type {string[]} */ ...args) => execFileSync('xdotool', args).toString().trim();
  const window = xdo('search', '--onlyvisible', '--name', '^SageDesk$').split('\n')[0];
  xdo('windowfocus', '--sync', window);
  const width = () => inWindow(session, 'return window.innerWidth');
  const before = await width();
  xdo('key', 'ctrl+equal');
  const zoomed = await waitFor('Ctrl+= to zoom in', 5_000, async () => ((await width()) < before ? width() : undefined));
  xdo('key', 'ctrl+0');
  await waitFor('Ctrl+0 to zoom back', 5_000, async () => ((await width()) === before ? true : undefined));
  // View → Show line numbers, on the notebook shown (its items are on while one is).
  xdo('mousemove', '103', '12', 'click', '1');
  await sleep(500);
  if (shots) {
    execFileSync('import', ['-window', 'root', join(shots, 'menubar.png')]);
    console.log(`screenshot: ${join(shots, 'menubar.png')}`);
  }
  xdo('key', 'Down', 'Return');
  await waitFor('line numbers from the View menu', 5_000, async () =>
    (await inWindow(session, `return !!document.querySelector('${SHOWN} .cm-lineNumbers')`)) ? true : undefined,
  );
  console.log(`menu bar: Ctrl+= zoomed (${before} → ${zoomed} CSS px wide), Ctrl+0 back; View → Show line numbers acted on the notebook`);
} finally {
  await wd('DELETE', `/session/${session}`).catch(() => {});
}

// The command line: `sagedesk export --to pdf` has the app print the
// notebook's page (a hidden window, no kernel), with its maths typeset.
{
  const cli = join(dirname(APP), 'sagedesk');
  const notebook = join(workspace, 'vector_calc_cartesian.ipynb');
  const out = join(workspace, 'from the command line.pdf');
  const started = Date.now();
  const said = execFileSync(cli, ['export', notebook, '--to', 'pdf', '-o', out], { env: process.env, timeout: 240_000 }).toString();
  const text = execFileSync('pdftotext', [out, '-']).toString().replace(/\s+/g, ' ');
  for (const expected of ['Vector calculus with SageMath', 'By default the LaTeX symbols of the coordinate', 'E.atlas()']) {
    if (!text.includes(expected)) throw new Error(`the command line's PDF has not "${expected}": ${text.slice(0, 300)}`);
  }
  const pages = execFileSync('pdfinfo', [out]).toString().match(/Pages:\s+(\d+)/)?.[1];
  const leftovers = readdirSync(workspace).filter((name) => name.includes('.printing-'));
  if (leftovers.length > 0) throw new Error(`left behind: ${leftovers.join(', ')}`);
  console.log(`command line: ${said.trim()}, ${pages} pages, in ${Date.now() - started} ms`);
  if (shots) {
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '2', '-l', '2', '-singlefile', out, join(shots, 'cli-pdf')]);
    console.log(`screenshot: ${join(shots, 'cli-pdf.png')}`);
  }
}
