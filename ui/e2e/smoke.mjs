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
// it showed a failed command, nothing, or not in time; with the image there,
// also unless a kernel was started and answered (the setup's last step).

import { existsSync } from 'node:fs';

import { APP, ELEMENT, byTestId, screenshot, startApp, waitFor, wd } from './webdriver.mjs';

const app = APP;
const screenshotPath = process.env.E2E_SCREENSHOT;
const expectEngine = process.env.E2E_EXPECT_ENGINE === '1';
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 90_000);

async function main() {
  if (!existsSync(app)) {
    throw new Error(`no app at ${app}: run \`npm run build\` in ui/, then \`cargo build -p sagedesk-app\``);
  }
  const started = Date.now();
  const session = await startApp(app);
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

    // A first run with the image there: a kernel is tried, the setup's last step.
    let kernelState = 'none';
    if (imageState === 'present') {
      const kernel = await byTestId(session, 'kernel-check');
      kernelState = await waitFor('the kernel to be tried', 180_000, async () => {
        const value = await wd('GET', `/session/${session}/element/${kernel}/attribute/data-state`);
        return value === 'done' || value === 'failed' ? value : undefined;
      });
      console.log(`kernel-check [${kernelState}]:\n${indent(await wd('GET', `/session/${session}/element/${kernel}/text`))}`);
    }

    if (screenshotPath) {
      await screenshot(session, screenshotPath);
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
    if (imageState === 'present' && kernelState !== 'done') failures.push(`the kernel check ended "${kernelState}"`);
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
