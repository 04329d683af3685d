#!/usr/bin/env node
// HTML outputs stay in their frames, through the real window: a notebook
// file holds HTML outputs that try to leave, with no script (a stored
// `<meta http-equiv="refresh">`, in the output or in a frame of its own; a
// frame of another page), with a script (`location` set to another page,
// or to a `data:` page that would run outside the frame's policy), and
// with links a person clicks (in the frame, and in a new window).
// Each points at an https address (as a page elsewhere would be) on which
// this script listens: after them all, every frame still shows its output,
// and nothing ever connected to any of those addresses. The window itself
// stays put when a script sets its `location` too.
//
// Linux only: a frame's page is at sagedesk-frame://localhost/ there.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs), E2E_SCREENSHOT,
//   E2E_WORKSPACE (default: a new temporary folder).

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { APP, ELEMENT, click, inFrame, inWindow, openWorkspace, screenshot, sleep, startApp, waitFor, wd } from './webdriver.mjs';

const workspace = process.env.E2E_WORKSPACE ?? mkdtempSync(join(tmpdir(), 'sagedesk-e2e-'));
const screenshotPath = process.env.E2E_SCREENSHOT;

/**
 * An address elsewhere, one for each way out, that notes every connection
 * to it (the webview loading a page from it) and closes it.
 * @param {string} name
 */
async function elsewhere(name) {
  const connections = /** @type {number[]} */ ([]);
  const server = createServer((socket) => {
    connections.push(Date.now());
    socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port to listen on');
  return { name, url: `https://127.0.0.1:${address.port}/${name}`, connections, close: () => server.close() };
}

/** @typedef {Awaited<ReturnType<typeof elsewhere>>} Elsewhere */

/**
 * Throws when anything connected to one of the addresses elsewhere.
 * @param {Elsewhere[]} addresses
 */
function noConnection(addresses) {
  const reached = addresses.filter((address) => address.connections.length > 0).map((address) => address.name);
  if (reached.length) throw new Error(`the webview connected elsewhere for: ${reached.join(', ')}`);
}

/**
 * The HTML outputs, each with the line it shows while it stays.
 * @param {Record<string, string>} to the address elsewhere of each way out
 */
function outputs(to) {
  /** @param {string} id */
  const shown = (id) => `<p id="shown">${id}: still here</p>`;
  /** @param {string} code */
  const soon = (code) => `<script>setTimeout(function () { ${code} }, 50)</script>`;
  return [
    ['refresh', `${shown('refresh')}<meta http-equiv="refresh" content="0;url=${to.refresh}">`],
    // A frame of the output's own, refreshed: no script at all.
    ['framed', `${shown('framed')}<iframe srcdoc="<meta http-equiv='refresh' content='0;url=${to.framed}'>"></iframe>`],
    ['frame', `${shown('frame')}<iframe src="${to.frame}"></iframe>`],
    ['location', `${shown('location')}${soon(`location.href = "${to.location}";`)}`],
    ['data', `${shown('data')}${soon(`location.href = "data:text/html,<script>fetch('${to.data}')<\\/script>";`)}`],
    [
      'link',
      `${shown('link')}<a id="here" href="${to.link}">in the frame</a> ` +
        `<a id="blank" href="${to.blank}" target="_blank">in a new window</a>`,
    ],
  ];
}

/**
 * A notebook with one HTML output a cell; keys in the order Jupyter sorts them.
 * @param {Record<string, string>} to
 */
function notebook(to) {
  return {
    cells: outputs(to).map(([id, html]) => ({
      cell_type: 'code',
      execution_count: 1,
      id,
      metadata: {},
      outputs: [{ data: { 'text/html': [html], 'text/plain': ['<HTML>'] }, metadata: {}, output_type: 'display_data' }],
      source: [`HTML(${JSON.stringify(id)})`],
    })),
    metadata: { kernelspec: { display_name: 'SageMath 10.8', language: 'sage', name: 'sagemath' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/**
 * The frames of the HTML outputs, in cell order.
 * @param {string} session
 * @returns {Promise<string[]>}
 */
async function frames(session) {
  const found = await wd('POST', `/session/${session}/elements`, {
    using: 'css selector',
    value: '[data-testid="cell-output"] iframe',
  });
  return found.map((/** @type {Record<string, string>} */ frame) => frame[ELEMENT]);
}

/**
 * What a frame shows: its output's line, and the scheme of its page.
 * @param {string} session
 * @param {string} frame
 * @returns {Promise<{ shown: string | null, scheme: string }>}
 */
const seen = (session, frame) =>
  inFrame(session, frame, () =>
    inWindow(session, 'return { shown: document.getElementById("shown")?.textContent ?? null, scheme: location.protocol }'),
  );

/**
 * Clicks the element `id` inside the frame `frame`.
 * @param {string} session
 * @param {string} frame
 * @param {string} id
 */
const clickIn = (session, frame, id) =>
  inFrame(session, frame, async () => {
    const link = await wd('POST', `/session/${session}/element`, { using: 'css selector', value: `#${id}` });
    await wd('POST', `/session/${session}/element/${link[ELEMENT]}/click`, {});
  });

async function main() {
  if (!existsSync(APP)) throw new Error(`no app at ${APP}`);
  const addresses = await Promise.all(
    ['refresh', 'framed', 'frame', 'location', 'data', 'link', 'blank', 'window'].map(elsewhere),
  );
  const to = Object.fromEntries(addresses.map((address) => [address.name, address.url]));
  const expected = outputs(to).map(([id]) => `${id}: still here`);
  writeFileSync(join(workspace, 'frames.ipynb'), `${JSON.stringify(notebook(to), null, 1)}\n`);

  const session = await startApp(APP);
  try {
    await openWorkspace(session, workspace);
    await click(session, 'notebook-entry');
    const all = await waitFor('the HTML outputs shown in their frames', 60_000, async () => {
      const found = await frames(session);
      if (found.length !== expected.length) return undefined;
      for (const frame of found) {
        if ((await seen(session, frame)).shown === null) return undefined;
      }
      return found;
    });
    console.log(`frames: ${all.length} HTML outputs shown`);

    // A person clicks both links.
    const links = all[expected.length - 1];
    await clickIn(session, links, 'here');
    await clickIn(session, links, 'blank');
    // Time for a refresh, a script's timer and the clicks to have gone anywhere.
    await sleep(3000);

    for (const [index, frame] of (await frames(session)).entries()) {
      const now = await seen(session, frame);
      console.log(`frame ${index}: ${JSON.stringify(now)}`);
      if (now.shown !== expected[index] || now.scheme !== 'sagedesk-frame:') {
        throw new Error(`frame ${index} left its output: ${JSON.stringify(now)}`);
      }
    }
    noConnection(addresses);
    console.log('elsewhere: no connection');
    if (screenshotPath) {
      await screenshot(session, screenshotPath);
      const end = screenshotPath.replace(/(\.png)?$/, '-end.png');
      await inWindow(session, 'document.querySelectorAll(\'[data-testid="cell"]\')[arguments[0]].scrollIntoView({ block: "end" })', [
        expected.length - 1,
      ]);
      await screenshot(session, end);
      console.log(`screenshots: ${screenshotPath}, ${end}`);
    }

    // The window itself.
    await inWindow(session, 'var to = arguments[0]; setTimeout(function () { location.href = to; }, 10)', [to.window]);
    await sleep(2000);
    const cells = await inWindow(session, 'return document.querySelectorAll(\'[data-testid="cell"]\').length');
    const where = await inWindow(session, 'return location.protocol + "//" + location.host');
    console.log(`window: at ${where}, ${cells} cells shown`);
    if (cells !== expected.length) throw new Error(`the window left the notebook: ${cells} cells, at ${where}`);
    noConnection(addresses);
    console.log('frames: 1 passed, 0 failed');
  } catch (error) {
    try {
      if (screenshotPath) await screenshot(session, screenshotPath.replace(/(\.png)?$/, '-failed.png'));
    } catch {
      // The window may be gone: the error says why.
    }
    throw error;
  } finally {
    await wd('DELETE', `/session/${session}`).catch((error) => console.error(`closing the session: ${error.message}`));
    for (const address of addresses) address.close();
  }
}

main().catch((error) => {
  console.error(`frames: FAILED: ${error.message}`);
  console.log('frames: 0 passed, 1 failed');
  process.exitCode = 1;
});
