#!/usr/bin/env node
// Smoke test of the real SageDesk window: starts the built app through
// tauri-driver (W3C WebDriver over HTTP, spoken here with fetch, so the test
// needs nothing but Node), waits for the setup screen to show the engine
// check's result, prints it, and saves a screenshot.
//
// ui/e2e/run.sh starts Xvfb and tauri-driver around it. Environment:
//   E2E_APP          the app binary (default: $CARGO_TARGET_DIR/debug/sagedesk-app)
//   E2E_DRIVER_URL   tauri-driver (default: http://127.0.0.1:4444)
//   E2E_SCREENSHOT   where to write the window's PNG (default: none)
//   E2E_EXPECT_ENGINE=1  fail unless an engine was found (CI has one running)
//   E2E_TIMEOUT_MS   how long the check may take (default: 90000)
//
// Exits 0 when the window showed an engine or a problem with its fix, 1 when
// it showed a failed command, nothing, or not in time.

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const driverUrl = process.env.E2E_DRIVER_URL ?? 'http://127.0.0.1:4444';
const app =
  process.env.E2E_APP ??
  join(process.env.CARGO_TARGET_DIR ?? join(import.meta.dirname, '../../target'), 'debug/sagedesk-app');
const screenshotPath = process.env.E2E_SCREENSHOT;
const expectEngine = process.env.E2E_EXPECT_ENGINE === '1';
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 90_000);

/** The W3C name of the property that holds an element reference. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One WebDriver command; returns its `value` or throws with the driver's error.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function wd(method, path, body) {
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
async function waitFor(what, ms, probe) {
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
async function byTestId(session, testId) {
  const found = await wd('POST', `/session/${session}/element`, {
    using: 'css selector',
    value: `[data-testid="${testId}"]`,
  });
  return found[ELEMENT];
}

async function main() {
  if (!existsSync(app)) {
    throw new Error(`no app at ${app}: run \`npm run build\` in ui/, then \`cargo build -p sagedesk-app\``);
  }
  await waitFor('tauri-driver to accept sessions', 15_000, async () =>
    (await wd('GET', '/status'))?.ready === false ? undefined : true,
  );

  const started = Date.now();
  const created = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { 'tauri:options': { application: app } } },
  });
  const session = created.sessionId;
  console.log(`session ${session}: ${app}`);

  try {
    const title = await wd('GET', `/session/${session}/title`);
    const engine = await waitFor('the engine status panel', 30_000, () => byTestId(session, 'engine-status'));
    const state = await waitFor('the engine check to finish', timeoutMs, async () => {
      const value = await wd('GET', `/session/${session}/element/${engine}/attribute/data-state`);
      return value && value !== 'checking' ? value : undefined;
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const engineText = await wd('GET', `/session/${session}/element/${engine}/text`);
    const image = await byTestId(session, 'image-status');
    const imageState = await wd('GET', `/session/${session}/element/${image}/attribute/data-state`);
    const imageText = await wd('GET', `/session/${session}/element/${image}/text`);
    const heading = await wd('GET', `/session/${session}/element/${await findHeading(session)}/text`);

    console.log(`window title: ${title}; heading: ${heading}; result after ${seconds} s`);
    console.log(`engine-status [${state}]:\n${indent(engineText)}`);
    console.log(`image-status [${imageState}]:\n${indent(imageText)}`);

    if (screenshotPath) {
      // The DOM already shows the result; wait until it is also painted, or
      // the picture can still show the frame from before.
      await wd('POST', `/session/${session}/execute/async`, {
        script: 'const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
        args: [],
      });
      await sleep(300);
      const png = await wd('GET', `/session/${session}/screenshot`);
      await writeFile(screenshotPath, Buffer.from(png, 'base64'));
      console.log(`screenshot: ${screenshotPath}`);
    }

    // A second check from the button: the click reaches the shell again.
    const recheck = await byTestId(session, 'recheck');
    await wd('POST', `/session/${session}/element/${recheck}/click`, {});
    const again = await waitFor('the second check to finish', timeoutMs, async () => {
      const value = await wd('GET', `/session/${session}/element/${engine}/attribute/data-state`);
      const disabled = await wd('GET', `/session/${session}/element/${recheck}/property/disabled`);
      return value && value !== 'checking' && !disabled ? value : undefined;
    });
    console.log(`after "Check again": engine-status [${again}]`);

    const failures = [];
    if (again !== state) failures.push(`"Check again" changed the result from "${state}" to "${again}"`);
    if (heading.trim() !== 'SageDesk') failures.push(`the heading is ${JSON.stringify(heading)}`);
    if (state === 'error') failures.push('the engine_status command failed');
    if (state === 'found' && !/\w+:\/\/\S+/.test(engineText)) failures.push('no endpoint shown for the engine');
    if (state === 'problem' && !/Retry/.test(engineText)) failures.push('a problem without a Retry button');
    if (expectEngine && state !== 'found') failures.push(`expected an engine, the window shows "${state}"`);
    if (failures.length > 0) throw new Error(failures.join('; '));
    console.log('smoke: 1 passed, 0 failed');
  } finally {
    await wd('DELETE', `/session/${session}`).catch((error) => {
      console.error(`closing the session: ${error.message}`);
    });
  }
}

/** @param {string} session */
async function findHeading(session) {
  const found = await wd('POST', `/session/${session}/element`, { using: 'css selector', value: 'h1' });
  return found[ELEMENT];
}

/** @param {string} text */
function indent(text) {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

main().catch((error) => {
  console.error(`smoke: FAILED: ${error.message}`);
  console.log('smoke: 0 passed, 1 failed');
  process.exitCode = 1;
});
