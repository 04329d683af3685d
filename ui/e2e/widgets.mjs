#!/usr/bin/env node
// End to end through the real window and the real Sage kernel: interactive
// Sage. An `@interact` cell with Sage's slider draws a Taylor polynomial;
// dragging the slider (pointer actions on its handle, as a hand would)
// redraws the plot and the printed degree. A Button's click prints in an
// Output widget. A restarted kernel leaves its widgets marked as gone.
//
// Environment: E2E_APP, E2E_DRIVER_URL (see webdriver.mjs),
//   E2E_SCREENSHOT_DIR  where to write the window's PNGs

import { chownSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { APP, ELEMENT, SHOWN, click, drag, inWindow, openFromSidebar, openWorkspace, shot, sleep, startApp, waitFor, waitForIdle, wd } from './webdriver.mjs';

const workspace = mkdtempSync(join(tmpdir(), 'sagedesk-e2e-widgets-'));

/**
 * What the `index`th cell's widget area shows: its text, the sources of its
 * images, and whether it is marked as gone.
 * @param {string} session
 * @param {number} index
 * @returns {Promise<{ text: string, images: string[], dead: boolean, shown: string } | null>}
 */
function widgetOf(session, index) {
  return inWindow(
    session,
    `const cell = document.querySelectorAll('${SHOWN} [data-testid="cell"]')[arguments[0]];
     const widget = cell && cell.querySelector('[data-testid="widget"]');
     if (!widget) return null;
     return {
       text: widget.innerText,
       images: [...widget.querySelectorAll('img')].map((img) => img.src),
       dead: !!widget.querySelector('[data-testid="widget-dead"]'),
       shown: widget.dataset.shown,
     };`,
    [index],
  );
}

const TAYLOR = `@interact
def taylor_sin(n=slider(1, 12, 1, default=3)):
    print("degree", n)
    show(plot(sin(x), (x, -6, 6)) + plot(taylor(sin(x), x, 0, n), (x, -6, 6), color='red', ymin=-3, ymax=3))`;

const BUTTON = `import ipywidgets as widgets
out = widgets.Output()
button = widgets.Button(description="Press me")
def pressed(b):
    with out:
        print("pressed", b.description)
button.on_click(pressed)
display(widgets.VBox([button, out]))`;

// Sage's own controls, each of them.
const CONTROLS = `@interact
def choose(f=selector(['sin', 'cos'], label='function'), text=input_box('hello', type=str, label='text'),
           colour=color_selector('red'), grid=checkbox(True, label='grid'), r=range_slider(0, 10, 1, (2, 5))):
    print('chosen', f, text, colour, grid, r)`;

// A surface with a parameter, in Sage's 3D viewer.
const SURFACE = `y = var('y')
@interact
def surface(a=slider(1, 4, 1, default=1)):
    print('a =', a)
    show(plot3d(sin(a*x)*cos(y), (x, -2, 2), (y, -2, 2)))`;

// An animation the JupyterLab way: each frame clears the last when it comes.
const ANIMATION = `from IPython.display import clear_output
import time
for i in range(20):
    clear_output(wait=True)
    show(plot(sin(x + i/3), (x, 0, 2*pi), figsize=3))
    time.sleep(float(0.15))
print('all', 4*5, 'frames')`;

// ipympl: a matplotlib figure that pans and zooms.
const MPL = `%matplotlib widget
import matplotlib.pyplot as plt
plt.figure(figsize=(4, 3))
plt.plot([0, 1, 2, 3], [0, 1, 4, 9])
plt.show()`;

/** @param {string} id @param {string} source */
const code = (id, source) => ({ id, cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
writeFileSync(
  join(workspace, 'interact.ipynb'),
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      code('taylor', TAYLOR),
      code('button', BUTTON),
      code('shown', "from IPython.display import display, update_display\ndisplay('first version', display_id='shared')"),
      code('update', "update_display('second version', display_id='shared')\nprint('updated')"),
      code('controls', CONTROLS),
      code('mpl', MPL),
      code('surface', SURFACE),
      code('animation', ANIMATION),
    ],
  }),
);
chownSync(workspace, 1000, 1000);
chownSync(join(workspace, 'interact.ipynb'), 1000, 1000);

const session = await startApp(APP);
try {
  // What goes wrong in the page, for the failure's report.
  await inWindow(
    session,
    `window.__problems = [];
     const keep = (what) => window.__problems.push(String(what && what.stack || what));
     window.addEventListener('error', (e) => keep(e.error || e.message));
     window.addEventListener('unhandledrejection', (e) => keep(e.reason));
     const error = console.error.bind(console);
     console.error = (...args) => { keep(args.map(String).join(' ')); error(...args); };
     return true;`,
  );
  await openWorkspace(session, workspace);
  await openFromSidebar(session, 'interact');
  await waitForIdle(session);

  // @interact: a slider and the plot it draws.
  await click(session, 'run-cell', 0);
  const first = await waitFor('the interact with its first plot', 120_000, async () => {
    const shown = await widgetOf(session, 0);
    return shown && shown.text.includes('degree 3') && shown.images.length === 1 ? shown : undefined;
  });
  console.log(`interact: a slider and "${first.text.match(/degree \d+/)?.[0]}" with a plot (${first.images[0].length} bytes of PNG URL)`);
  await shot(session, 'interact');

  // Drag the slider's handle to the right, as a hand would.
  const handle = await waitFor('the slider handle', 10_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} [data-testid="cell"] .noUi-handle` });
    return found[0]?.[ELEMENT];
  });
  const track = await inWindow(
    session,
    `const t = document.querySelector('${SHOWN} [data-testid="cell"] .noUi-target').getBoundingClientRect(); return { width: t.width };`,
  );
  await drag(session, handle, { x: 0, y: 0 }, Array.from({ length: 8 }, (_, i) => ({ x: Math.round(track.width / 16), y: 0, ms: 30 + i })));
  // Changes are throttled while the handle moves; the last value always runs.
  const moved = await waitFor('the plot redrawn for where the slider stopped', 60_000, async () => {
    const shown = await widgetOf(session, 0);
    const degree = Number(shown?.text.match(/degree (\d+)/)?.[1]);
    const slider = await inWindow(session, `return document.querySelector('${SHOWN} .widget-readout')?.innerText ?? ''`);
    const stopped = Number(slider.trim());
    return shown && degree > 3 && degree === stopped && shown.images.length === 1 && shown.images[0] !== first.images[0] ? { ...shown, degree } : undefined;
  });
  console.log(`dragged: the slider stopped at ${moved.degree}, the plot was redrawn and the text says "degree ${moved.degree}"`);
  await shot(session, 'interact-moved');

  // A button whose click prints in an Output widget.
  await click(session, 'run-cell', 1);
  const button = await waitFor('the button', 60_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} button.jupyter-button` });
    return found[0]?.[ELEMENT];
  });
  await inWindow(session, `arguments[0].scrollIntoView({ block: 'center' }); return true;`, [{ [ELEMENT]: button }]);
  await sleep(300);
  await wd('POST', `/session/${session}/element/${button}/click`, {});
  await wd('POST', `/session/${session}/element/${button}/click`, {});
  const pressed = await waitFor('the clicks printed in the Output widget', 30_000, async () => {
    const shown = await widgetOf(session, 1);
    return shown && (shown.text.match(/pressed Press me/g) ?? []).length === 2 ? shown : undefined;
  });
  console.log(`button: two clicks printed in its Output widget: ${JSON.stringify(pressed.text.trim())}`);
  await shot(session, 'button-output');

  // A display updated from a later cell, in the window and in the file.
  await click(session, 'run-cell', 2);
  await waitFor('the first version shown', 60_000, async () =>
    (await inWindow(session, `return document.querySelectorAll('${SHOWN} [data-testid="cell-output"]')[2]?.innerText ?? ''`)).includes('first version') ? true : undefined,
  );
  await click(session, 'run-cell', 3);
  await waitFor('the display in the cell above updated', 60_000, async () => {
    const texts = await inWindow(session, `return [...document.querySelectorAll('${SHOWN} [data-testid="cell-output"]')].map((o) => o.innerText)`);
    return texts[2].includes('second version') && !texts[2].includes('first version') && texts[3].includes('updated') ? true : undefined;
  });
  await waitFor('the updated display saved', 30_000, async () => {
    const nb = JSON.parse(readFileSync(join(workspace, 'interact.ipynb'), 'utf8'));
    return JSON.stringify(nb.cells[2].outputs).includes('second version') ? true : undefined;
  });
  console.log('display: the output of cell 3 was updated from cell 4, in the window and in the file');
  await shot(session, 'display-updated');

  // Sage's controls: a selector, an input box, a colour, a checkbox, a range.
  await click(session, 'run-cell', 4);
  const controls = await waitFor("Sage's controls", 60_000, async () => {
    const found = await inWindow(
      session,
      `const w = document.querySelectorAll('${SHOWN} [data-testid="cell"]')[4].querySelector('[data-testid="widget"]');
       if (!w || !w.innerText.includes('chosen sin hello')) return null;
       return {
         select: !!w.querySelector('select'),
         text: !!w.querySelector('input[type="text"]'),
         colour: !!w.querySelector('input[type="color"]'),
         checkbox: !!w.querySelector('input[type="checkbox"]'),
         handles: w.querySelectorAll('.noUi-handle').length,
         said: w.innerText.match(/chosen .*/)[0],
       };`,
    );
    return found ?? undefined;
  });
  if (!controls.select || !controls.text || !controls.colour || !controls.checkbox || controls.handles !== 2) {
    throw new Error(`Sage's controls are not all there: ${JSON.stringify(controls)}`);
  }
  // A choice in the dropdown, and a word typed in the box (sent on Enter).
  await inWindow(
    session,
    `const select = document.querySelectorAll('${SHOWN} [data-testid="cell"]')[4].querySelector('select');
     select.value = [...select.options].find((o) => o.textContent === 'cos').value;
     select.dispatchEvent(new Event('change', { bubbles: true }));
     return true;`,
  );
  const box = await waitFor('the input box', 10_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} [data-testid="cell"] input[type="text"]` });
    return found[0]?.[ELEMENT];
  });
  await wd('POST', `/session/${session}/element/${box}/clear`, {});
  await wd('POST', `/session/${session}/element/${box}/value`, { text: 'world\uE007' });
  const chosen = await waitFor('the choices redrawn', 30_000, async () => {
    const text = await inWindow(session, `return document.querySelectorAll('${SHOWN} [data-testid="cell"]')[4].querySelector('[data-testid="widget"]').innerText`);
    return /chosen cos world/.test(text) ? text.match(/chosen .*/)[0] : undefined;
  });
  console.log(`controls: selector, input box, colour, checkbox and range shown ("${controls.said}"); after a choice and a word: "${chosen}"`);
  await shot(session, 'sage-controls');

  // ipympl: the figure drawn on its canvas from the kernel's PNG buffers;
  // a zoom (its toolbar's button, then a drag on the figure) redraws it.
  await click(session, 'run-cell', 5);
  const canvasPixels = () =>
    inWindow(
      session,
      `const c = document.querySelector('${SHOWN} .jupyter-matplotlib-figure canvas, ${SHOWN} .jupyter-matplotlib canvas');
       if (!c || c.width === 0) return null;
       const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
       // Inked: opaque and dark (a canvas not drawn yet is transparent).
       let inked = 0, opaque = 0, sum = 0;
       for (let i = 0; i < data.length; i += 4) {
         if (data[i + 3] === 0) continue;
         opaque++;
         if (data[i] < 200) inked++;
         sum = (sum * 31 + data[i] + data[i + 1] * 7) % 1000000007;
       }
       return { inked, opaque: opaque / (data.length / 4), total: data.length / 4, sum, width: c.width };`,
    );
  const drawn = await waitFor('the matplotlib figure drawn', 90_000, async () => {
    const pixels = await canvasPixels();
    // A figure: the canvas drawn whole, mostly white, with lines on it.
    return pixels && pixels.opaque > 0.9 && pixels.inked > 100 && pixels.inked < pixels.total / 2 ? pixels : undefined;
  });
  // Its toolbar sits by the figure, not somewhere in the window.
  const toolbar = await inWindow(
    session,
    `const figure = document.querySelector('${SHOWN} .jupyter-matplotlib').getBoundingClientRect();
     const bar = document.querySelector('${SHOWN} .jupyter-matplotlib-toolbar').getBoundingClientRect();
     return { inside: bar.left >= figure.left - 1 && bar.right <= figure.right + 1 && bar.top >= figure.top - 1 && bar.bottom <= figure.bottom + 1 };`,
  );
  if (!toolbar.inside) throw new Error("matplotlib's toolbar is not by its figure");
  await inWindow(
    session,
    `const zoom = [...document.querySelectorAll('${SHOWN} .jupyter-matplotlib button')].find((b) => /^Zoom to rectangle/i.test(b.title));
     zoom.scrollIntoView({ block: 'center' });
     zoom.click();
     return true;`,
  );
  const figure = await waitFor('the figure', 10_000, async () => {
    const found = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} .jupyter-matplotlib canvas` });
    return found.at(-1)?.[ELEMENT];
  });
  await inWindow(session, `arguments[0].scrollIntoView({ block: 'center' }); return true;`, [{ [ELEMENT]: figure }]);
  await sleep(300);
  await drag(session, figure, { x: -40, y: -30 }, [
    { x: 40, y: 30, ms: 100 },
    { x: 40, y: 30, ms: 100 },
  ]);
  const zoomed = await waitFor('the figure redrawn zoomed', 30_000, async () => {
    const pixels = await canvasPixels();
    return pixels && pixels.opaque > 0.9 && pixels.inked > 100 && pixels.sum !== drawn.sum ? pixels : undefined;
  });
  console.log(`matplotlib: a ${drawn.width} px canvas drawn from the kernel's buffers (${drawn.inked} inked pixels); zoomed, redrawn (${zoomed.inked})`);
  await shot(session, 'ipympl');

  // A 3D surface with a parameter: Sage's viewer in the Output widget,
  // drawn again for the next value.
  await click(session, 'run-cell', 6);
  const surfaceOf = () =>
    inWindow(
      session,
      `const w = document.querySelectorAll('${SHOWN} [data-testid="cell"]')[6].querySelector('[data-testid="widget"]');
       return w ? { text: w.innerText, frames: w.querySelectorAll('iframe').length } : null;`,
    );
  await waitFor('the surface for a = 1', 90_000, async () => {
    const shown = await surfaceOf();
    return shown && shown.text.includes('a = 1') && shown.frames === 1 ? true : undefined;
  });
  const surfaceHandle = await waitFor('the surface slider', 10_000, async () => {
    const cells = await wd('POST', `/session/${session}/elements`, { using: 'css selector', value: `${SHOWN} [data-testid="cell"]` });
    const found = await wd('POST', `/session/${session}/element/${cells[6][ELEMENT]}/elements`, { using: 'css selector', value: '.noUi-handle' });
    return found[0]?.[ELEMENT];
  });
  await wd('POST', `/session/${session}/element/${surfaceHandle}/value`, { text: '\uE014' });
  await waitFor('the surface for a = 2', 90_000, async () => {
    const shown = await surfaceOf();
    return shown && shown.text.includes('a = 2') && shown.frames === 1 ? true : undefined;
  });
  console.log('surface: plot3d in the Output widget, drawn again for a = 2 after a step of its slider');
  await shot(session, 'surface');

  // 20 frames with clear_output(wait=True): never an empty output between
  // two frames, never two frames at once, the last one kept.
  // What the cell shows at each change of the page: how many images, and
  // which (its data URL's length and a piece of it).
  await inWindow(
    session,
    `const page = document.querySelector('${SHOWN}');
     window.__frames = [];
     new MutationObserver(() => {
       const out = page.querySelectorAll('[data-testid="cell"]')[7]?.querySelector('[data-testid="cell-output"]');
       if (!out) return;
       const images = [...out.querySelectorAll('img')];
       // (Not the end of a PNG: every one ends with the same IEND chunk.)
       const now = images.length + ':' + images.map((i) => i.src.length + '/' + i.src.slice(-400, -300)).join(',');
       if (window.__frames.at(-1) !== now) window.__frames.push(now);
     }).observe(page, { subtree: true, childList: true, attributes: true, characterData: true });
     return true;`,
  );
  await click(session, 'run-cell', 7);
  await waitFor('the animation to end', 60_000, async () =>
    (await inWindow(session, `return document.querySelectorAll('${SHOWN} [data-testid="cell"]')[7]?.querySelector('[data-testid="cell-output"]')?.innerText ?? ''`)).includes('all 20 frames') ||
    undefined,
  );
  /** @type {string[]} */
  const frames = await inWindow(session, 'return window.__frames');
  const firstFrame = frames.findIndex((f) => f.startsWith('1:'));
  const shownFrames = new Set(frames.slice(firstFrame).map((f) => f.slice(2)));
  if (firstFrame < 0 || frames.slice(firstFrame).some((f) => !f.startsWith('1:')) || shownFrames.size < 15) {
    throw new Error(`the animation as the page showed it: ${frames.map((f) => f.split(':')[0]).join(' ')} (${shownFrames.size} frames)`);
  }
  console.log(`animation: ${shownFrames.size} of 20 frames shown, one image at each of ${frames.length - firstFrame} changes of the page, never none`);

  // The widgets' state is saved in the notebook where JupyterLab keeps it,
  // the slider where it stopped and what the Output widgets show.
  const saved = await waitFor('the widget state in the file', 30_000, async () => {
    const nb = JSON.parse(readFileSync(join(workspace, 'interact.ipynb'), 'utf8'));
    const state = nb.metadata?.widgets?.['application/vnd.jupyter.widget-state+json']?.state;
    if (!state) return undefined;
    const models = Object.values(state);
    const slider = models.find((m) => m.model_name === 'IntSliderModel' && m.state.value === moved.degree);
    const outputs = models.filter((m) => m.model_name === 'OutputModel').map((m) => JSON.stringify(m.state.outputs ?? []));
    return slider && outputs.some((o) => o.includes(`degree ${moved.degree}`) && o.includes('image/png')) && outputs.some((o) => o.includes('pressed Press me'))
      ? models
      : undefined;
  });
  console.log(`saved: ${saved.length} widget models in the notebook's metadata, the slider at ${moved.degree}, the Output widgets' plot and prints`);

  // Closed and opened again while its kernel runs: the widgets come back
  // from the kernel, live.
  /** @param {string} what @param {string} life */
  const reopen = async (what, life) => {
    await click(session, 'close-tab');
    await openFromSidebar(session, 'interact', true);
    // (Those drawn: the cells near the screen.)
    return waitFor(what, 60_000, async () => {
      const lives = await inWindow(session, `return [...document.querySelectorAll('${SHOWN} [data-testid="widget"]')].map((w) => w.dataset.life + ':' + w.dataset.shown)`);
      const shown = await widgetOf(session, 0);
      const readout = await inWindow(session, `return document.querySelector('${SHOWN} .widget-readout')?.innerText ?? ''`);
      return lives.length >= 2 && lives.every((/** @type {string} */ l) => l === `${life}:shown`) && shown?.text.includes(`degree ${moved.degree}`) && shown.images.length === 1 && readout.trim() === String(moved.degree)
        ? { ...shown, count: lives.length }
        : undefined;
    });
  };
  const restored = await reopen('the widgets back from the kernel', 'live');
  console.log(`reopened with its kernel: the ${restored.count} widgets drawn came back from the kernel, live, the slider at ${moved.degree}`);

  // A restarted kernel: its widgets are marked as gone.
  await click(session, 'restart');
  // Those drawn (the notebook draws the cells near the screen) say so.
  const gone = await waitFor('the widgets marked as gone', 60_000, async () => {
    const lives = await inWindow(session, `return [...document.querySelectorAll('${SHOWN} [data-testid="widget"]')].map((w) => w.dataset.life)`);
    return lives.length >= 2 && lives.every((/** @type {string} */ l) => l === 'gone') ? lives.length : undefined;
  });
  console.log(`restart: the ${gone} widgets drawn are marked as gone`);
  await shot(session, 'widgets-gone');

  // Closed and opened again (its new kernel has no widgets): the widgets
  // show as saved, the slider where it stopped, the plot it drew.
  const reopened = await reopen('the saved widgets shown', 'saved');
  console.log(`reopened: the ${reopened.count} widgets drawn are shown as saved, the slider at ${moved.degree} and its plot (${reopened.images[0].length} bytes of PNG URL)`);
  await shot(session, 'widgets-saved');
} catch (error) {
  await shot(session, 'widgets-failure').catch(() => {});
  console.log(await inWindow(session, `return document.body.innerText`).catch(() => ''));
  console.log('problems in the page:', await inWindow(session, `return window.__problems`).catch(() => ''));
  console.log('widgets:', await inWindow(session, `return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => [w.dataset.life, w.dataset.shown, w.title])`).catch(() => ''));
  console.log(await inWindow(session, `return [...document.querySelectorAll('[data-testid="widget"]')].map((w) => w.title)`).catch(() => ''));
  throw error;
} finally {
  await wd('DELETE', `/session/${session}`).catch(() => {});
}
