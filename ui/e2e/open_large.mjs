#!/usr/bin/env node
// A measurement, not a test: opening a real 126-cell notebook with 61
// typeset outputs (tests' corpus: vector_calc_cartesian.ipynb) in the real
// window, from the click in the sidebar until every cell and formula is
// drawn and nothing more changes, and what the app and its web view add in
// memory (proportional set size, summed over the app's processes) once it
// is shown. Issue 15's goals: under 0.5 s, and under 50 MiB.
//
// Run with ui/e2e/run.sh open_large.mjs (E2E_APP picks the build).

import { copyFileSync, chownSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { APP, byTestId, inWindow, openWorkspace, startApp, waitFor, wd } from './webdriver.mjs';

const CORPUS = new URL('../../../shared/corpus/vector_calc_cartesian.ipynb', import.meta.url).pathname;
const workspace = mkdtempSync(join(tmpdir(), 'sagedesk-open-large-'));

/** PSS in MiB, summed over the app's process and WebKit's processes. */
function pssMib() {
  let kib = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let name = '';
    try {
      name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (!/^(sagedesk-app|WebKitWebProces|WebKitNetworkPr)/.test(name)) continue;
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      kib += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return kib / 1024;
}

const counts = () =>
  inWindow(
    session,
    `const page = document.querySelector('.page:not([hidden])');
     return page ? [page.querySelectorAll('[data-testid="cell"]').length, page.querySelectorAll('mjx-container').length] : [0, 0];`,
  );

copyFileSync(CORPUS, join(workspace, 'vector_calc_cartesian.ipynb'));
chownSync(workspace, 1000, 1000);
const session = await startApp(APP);
try {
  await openWorkspace(session, workspace);
  const entry = await waitFor('the notebook in the sidebar', 60_000, () => byTestId(session, 'notebook-entry'));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const before = pssMib();
  const started = Date.now();
  await wd('POST', `/session/${session}/element/${entry}/click`, {});
  let last = '';
  let changed = started;
  for (;;) {
    const now = JSON.stringify(await counts());
    if (now !== last) {
      last = now;
      changed = Date.now();
    } else if (Date.now() - changed > 2000 && JSON.parse(now)[0] > 0) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const [cells, formulas] = JSON.parse(last);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const after = pssMib();
  console.log(
    `open_large: ${cells} cells and ${formulas} formulas drawn ${changed - started} ms after the click; ` +
      `PSS ${before.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after: +${(after - before).toFixed(1)} MiB`,
  );
  console.log(JSON.stringify({ cells, formulas, shown_ms: changed - started, pss_before_mib: before, pss_after_mib: after }));
} finally {
  await wd('DELETE', `/session/${session}`).catch(() => {});
}
