// The few WebDriver commands the end-to-end tests use, spoken over HTTP
// with fetch to tauri-driver (which drives the real window through
// WebKitWebDriver), so the tests need nothing but Node.

import { join } from 'node:path';

const driverUrl = process.env.E2E_DRIVER_URL ?? 'http://127.0.0.1:4444';

/** The app binary: E2E_APP, else the debug build under CARGO_TARGET_DIR (or target/). */
export const APP =
  process.env.E2E_APP ??
  join(process.env.CARGO_TARGET_DIR ?? join(import.meta.dirname, '../../target'), 'debug/sagedesk-app');

/** The W3C name of the property that holds an element reference. */
export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** The notebook shown (each open notebook has a page; the others are hidden). */
export const SHOWN = '.page:not([hidden])';

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One WebDriver command; returns its `value` or throws with the driver's error.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function wd(method, path, body) {
  const response = await fetch(driverUrl + path, {
    method,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  const value = json?.value;
  if (!response.ok || (value && typeof value === 'object' && 'error' in value)) {
    throw new Error(`${method} ${path}: ${value?.error ?? response.status}: ${value?.message ?? text}`);
  }
  return value;
}

/**
 * Calls `probe` until it returns something other than undefined.
 * @template T
 * @param {string} what
 * @param {number} ms
 * @param {() => Promise<T | undefined>} probe
 * @returns {Promise<T>}
 */
export async function waitFor(what, ms, probe) {
  const deadline = Date.now() + ms;
  /** @type {Error | undefined} */
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    }
    await sleep(250);
  }
}

/**
 * @param {string} session
 * @param {string} testId
 * @returns {Promise<string>} the element's reference
 */
export async function byTestId(session, testId) {
  const found = await wd('POST', `/session/${session}/element`, {
    using: 'css selector',
    value: `[data-testid="${testId}"]`,
  });
  return found[ELEMENT];
}

/**
 * Starts the app in a new WebDriver session.
 * @param {string} app the app binary
 * @returns {Promise<string>} the session id
 */
export async function startApp(app) {
  await waitFor('tauri-driver to accept sessions', 15_000, async () =>
    (await wd('GET', '/status'))?.ready === false ? undefined : true,
  );
  const created = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { 'tauri:options': { application: app } } },
  });
  return created.sessionId;
}

/**
 * Saves a PNG of the window once what the DOM shows is also painted.
 * @param {string} session
 * @param {string} path
 */
export async function screenshot(session, path) {
  const { writeFile } = await import('node:fs/promises');
  await wd('POST', `/session/${session}/execute/async`, {
    script: 'const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
    args: [],
  });
  await sleep(300);
  const png = await wd('GET', `/session/${session}/screenshot`);
  await writeFile(path, Buffer.from(png, 'base64'));
}

/**
 * Clicks the sidebar's entry whose name contains `name` once it is listed
 * (again, until a notebook's cells are shown, with `untilShown`).
 * @param {string} session
 * @param {string} name
 * @param {boolean} [untilShown]
 */
export function openFromSidebar(session, name, untilShown = false) {
  return waitFor(`${name} opened from the sidebar`, 30_000, async () =>
    (await inWindow(
      session,
      `const entry = [...document.querySelectorAll('[data-testid="notebook-entry"]')].find((e) => e.textContent.includes(arguments[0]));
       if (entry) entry.click();
       return arguments[1] ? !!document.querySelector('${SHOWN} [data-testid="cell"]') : !!entry;`,
      [name, untilShown],
    )) || undefined,
  );
}

/**
 * Saves a PNG of the window named `name` in E2E_SCREENSHOT_DIR, when that
 * is set, and says where.
 * @param {string} session
 * @param {string} name
 */
export async function shot(session, name) {
  const dir = process.env.E2E_SCREENSHOT_DIR;
  if (!dir) return;
  const { join } = await import('node:path');
  const path = join(dir, `${name}.png`);
  await screenshot(session, path);
  console.log(`screenshot: ${path}`);
}

/**
 * Presses the mouse on `element` (at `start`, CSS pixels from its centre),
 * moves it by each of `moves` in turn, and lets go, as a hand would.
 * @param {string} session
 * @param {string} element
 * @param {{ x: number, y: number }} start
 * @param {Array<{ x: number, y: number, ms?: number }>} moves
 */
export async function drag(session, element, start, moves) {
  await wd('POST', `/session/${session}/actions`, {
    actions: [
      {
        type: 'pointer',
        id: 'mouse',
        parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', origin: { [ELEMENT]: element }, x: start.x, y: start.y },
          { type: 'pointerDown', button: 0 },
          ...moves.map((move) => ({ type: 'pointerMove', origin: 'pointer', x: move.x, y: move.y, duration: move.ms ?? 50 })),
          { type: 'pointerUp', button: 0 },
        ],
      },
    ],
  });
  await wd('DELETE', `/session/${session}/actions`);
}

/**
 * @param {string} session
 * @param {string} element
 * @returns {Promise<string>}
 */
export const textOf = (session, element) => wd('GET', `/session/${session}/element/${element}/text`);

/**
 * Waits for the setup screen to offer a folder, and opens `path` as the
 * workspace.
 * @param {string} session
 * @param {string} path
 */
export async function openWorkspace(session, path) {
  const field = await waitFor('the workspace folder field', 120_000, () => byTestId(session, 'workspace-path'));
  await wd('POST', `/session/${session}/element/${field}/clear`, {});
  await wd('POST', `/session/${session}/element/${field}/value`, { text: path });
  await wd('POST', `/session/${session}/element/${await byTestId(session, 'open-workspace')}/click`, {});
}

/**
 * Replaces the text of the `index`th cell's editor with `code` and runs it
 * with Shift+Enter, as a person would.
 * @param {string} session
 * @param {number} index
 * @param {string} code
 */
export async function runInCell(session, index, code) {
  const editor = await waitFor(`the editor of cell ${index}`, 30_000, async () => {
    // The notebook draws only the cells near the screen: the cell that has
    // the index-th editor (counting those of cells not drawn, which are
    // all but rendered markdown) is scrolled to first, as a person would.
    const found = await inWindow(
      session,
      `let seen = -1;
       for (const cell of document.querySelectorAll('${SHOWN} [data-testid="cell"]')) {
         const drawn = cell.dataset.drawn === 'true';
         const editors = drawn ? cell.querySelectorAll('[data-testid="cell-editor"]').length : cell.dataset.cellType === 'markdown' ? 0 : 1;
         if (seen + editors < arguments[0]) { seen += editors; continue; }
         cell.scrollIntoView({ block: 'nearest' });
         return drawn ? cell.querySelector('[data-testid="cell-editor"]') : null;
       }
       return null;`,
      [index],
    );
    return found?.[ELEMENT];
  });
  await wd('POST', `/session/${session}/element/${editor}/click`, {});
  // Ctrl+A selects the cell's text, which the typing replaces.
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: '\uE009a\uE000' });
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: code });
  // Shift (held) + Enter, then release the modifiers.
  await wd('POST', `/session/${session}/element/${editor}/value`, { text: '\uE008\uE007\uE000' });
}

/**
 * Waits until some cell's output contains `expected`, and returns its text.
 * @param {string} session
 * @param {string} expected
 * @param {number} ms
 */
export function waitForOutput(session, expected, ms) {
  return waitFor(`an output with ${expected}`, ms, async () => {
    const found = await wd('POST', `/session/${session}/elements`, {
      using: 'css selector',
      value: '[data-testid="cell-output"]',
    });
    for (const element of found) {
      const text = await textOf(session, element[ELEMENT]);
      if (text.includes(expected)) return text;
    }
    return undefined;
  });
}

/** @param {string} session */
export const waitForIdle = (session) => waitForStatus(session, 'idle');

/**
 * Runs `script` (a function body; `arguments` are `args`) in the window and
 * returns its result.
 * @param {string} session
 * @param {string} script
 * @param {unknown[]} [args]
 */
export const inWindow = (session, script, args = []) =>
  wd('POST', `/session/${session}/execute/sync`, { script, args });

/**
 * Clicks the element with this test id (the first, or the one inside the
 * `cell`th cell when `cell` is given), waiting up to 30 s for it to appear.
 * @param {string} session
 * @param {string} testId
 * @param {number} [cell]
 */
export async function click(session, testId, cell) {
  const element =
    cell === undefined
      ? await waitFor(testId, 30_000, () => byTestId(session, testId))
      : await waitFor(`${testId} of cell ${cell}`, 30_000, async () => {
          const cells = await wd('POST', `/session/${session}/elements`, {
            using: 'css selector',
            value: `${SHOWN} [data-testid="cell"]`,
          });
          const inside = cells[cell]?.[ELEMENT];
          if (!inside) return undefined;
          const found = await wd('POST', `/session/${session}/element/${inside}/element`, {
            using: 'css selector',
            value: `[data-testid="${testId}"]`,
          });
          return found[ELEMENT];
        });
  await wd('POST', `/session/${session}/element/${element}/click`, {});
}

/**
 * What the window shows of the `index`th cell's output: its text, the
 * natural widths of its images, and how many typeset formulas it holds.
 * @param {string} session
 * @param {number} index
 * @returns {Promise<{ text: string, imageWidths: number[], formulas: number } | null>}
 */
export function cellOutput(session, index) {
  return inWindow(
    session,
    `const cell = document.querySelectorAll('${SHOWN} [data-testid="cell"]')[arguments[0]];
     // Only the cells near the screen are drawn: this one is scrolled to.
     if (cell && cell.dataset.drawn !== 'true') cell.scrollIntoView({ block: 'nearest' });
     const output = cell && cell.querySelector('[data-testid="cell-output"]');
     if (!output) return null;
     return {
       text: output.innerText,
       imageWidths: [...output.querySelectorAll('img')].map((img) => img.complete ? img.naturalWidth : 0),
       formulas: output.querySelectorAll('mjx-container').length,
     };`,
    [index],
  );
}

/**
 * Waits until the `index`th cell's output passes `check`, and returns it.
 * @param {string} session
 * @param {number} index
 * @param {string} what
 * @param {(output: { text: string, imageWidths: number[], formulas: number }) => boolean} check
 * @param {number} [ms]
 */
export function waitForCellOutput(session, index, what, check, ms = 120_000) {
  return waitFor(`cell ${index} to show ${what}`, ms, async () => {
    const output = await cellOutput(session, index);
    return output && check(output) ? output : undefined;
  });
}

/** @param {string} session */
export const kernelStatus = async (session) => (await textOf(session, await byTestId(session, 'kernel-status'))).trim();

/**
 * Waits for the kernel status to read `state`.
 * @param {string} session
 * @param {string} state
 * @param {number} [ms]
 */
export function waitForStatus(session, state, ms = 60_000) {
  return waitFor(`the kernel to be ${state}`, ms, async () => ((await kernelStatus(session)) === state ? state : undefined));
}

/**
 * Runs `step` with WebDriver's commands directed into the frame `frame` (an
 * element reference), then back to the window.
 * @template T
 * @param {string} session
 * @param {string} frame
 * @param {() => Promise<T>} step
 * @returns {Promise<T>}
 */
export async function inFrame(session, frame, step) {
  await wd('POST', `/session/${session}/frame`, { id: { [ELEMENT]: frame } });
  try {
    return await step();
  } finally {
    await wd('POST', `/session/${session}/frame/parent`, {});
  }
}
