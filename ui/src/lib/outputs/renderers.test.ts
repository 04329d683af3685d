import { render, screen, waitFor } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { run } from '../kernel/fixtures';
import type { Output, StreamOutput } from '../types';
import { frameDocument, frameHeight, FRAME_MAX_HEIGHT } from './frame';
import { STREAM_VIEW_LINES } from './limits';
import { LiveOutputs } from './live.svelte';
import MarkdownView from './MarkdownView.svelte';
import OutputArea from './OutputArea.svelte';
import { StreamRenderer } from './streamRenderer';

/** How MathJax shows a TeX error (merror) or an undefined macro (red text, from `noundefined`). */
const TEX_TROUBLE = '[data-mml-node="merror"], [data-mml-node="mtext"][fill="red"]';

/** Replays a run fixture into a LiveOutputs, as a cell does. */
function replayInto(outputs: LiveOutputs, name: string) {
  for (const batch of run(name).batches) {
    for (const item of batch) {
      if (item.kind === 'started') outputs.reset();
      if (item.kind === 'outputs') outputs.apply(item.updates);
    }
  }
}

function showOutputs(outputs: LiveOutputs) {
  const { container } = render(OutputArea, { outputs });
  return container;
}

describe('rich outputs', () => {
  it('shows a PNG as an image with its text as the alternative', () => {
    const outputs = new LiveOutputs();
    const container = showOutputs(outputs);
    replayInto(outputs, 'run-plot');
    flushSync();
    const img = container.querySelector('img')!;
    expect(img.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    expect(img.alt).toBe('Graphics object consisting of 1 graphics primitive');
  });

  it('shows JPEG and SVG as images too, never SVG as markup', () => {
    const outputs = new LiveOutputs([
      { output_type: 'display_data', data: { 'image/jpeg': '/9j/4AAQ' }, metadata: {} },
      {
        output_type: 'display_data',
        data: { 'image/svg+xml': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' },
        metadata: { 'image/svg+xml': { width: 120 } },
      },
    ]);
    const container = showOutputs(outputs);
    const [jpeg, svg] = container.querySelectorAll('img');
    expect(jpeg.getAttribute('src')).toBe('data:image/jpeg;base64,/9j/4AAQ');
    expect(svg.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    expect(svg.getAttribute('width')).toBe('120');
    expect(container.querySelector('svg, script')).toBeNull();
  });

  it('offers a PDF to open in the system viewer, its data going to the core to check', async () => {
    const { fakeShell } = await import('../testing/shell');
    const shell = fakeShell();
    const outputs = new LiveOutputs([
      { output_type: 'display_data', data: { 'application/pdf': 'JVBERi0x\nLjQKJeLjz9MK', 'text/plain': '<PDF>' }, metadata: {} },
    ]);
    const container = showOutputs(outputs);
    expect(screen.getByTestId('output-pdf').textContent).toContain('PDF document, 15 bytes');
    screen.getByTestId<HTMLButtonElement>('output-pdf-open').click();
    await waitFor(() => expect(shell.callsOf('open_output_pdf')).toEqual([{ data: 'JVBERi0xLjQKJeLjz9MK' }]));
    // Data that does not begin as a PDF does is not offered.
    outputs.reset();
    outputs.apply([{ kind: 'insert', index: 0, output: { output_type: 'display_data', data: { 'application/pdf': 'PGh0bWw+', 'text/plain': '<PDF>' }, metadata: {} } }]);
    flushSync();
    expect(container.querySelector('[data-testid="output-pdf"]')).toBeNull();
    expect(container.textContent).toContain('<PDF>');
  });

  it('puts HTML in a frame of its own page that can run scripts but not reach the window', () => {
    const html = '<table><tr><td>1</td></tr></table><script>parent.__TAURI_INTERNALS__</script>';
    const outputs = new LiveOutputs([{ output_type: 'display_data', data: { 'text/html': html }, metadata: {} }]);
    const container = showOutputs(outputs);
    const frame = container.querySelector('iframe')!;
    expect(frame.getAttribute('sandbox')).toBe('allow-scripts');
    expect(frame.getAttribute('sandbox')).not.toContain('allow-same-origin');
    expect(frame.getAttribute('src')).toBe('sagedesk-frame://localhost/');
    expect(frame.getAttribute('srcdoc')).toBeNull();
    expect(container.querySelector('table')).toBeNull();
    expect(frame.style.height).toBe('160px');

    // The page says it listens: it is sent the document, once asked, and
    // only when the frame itself asks.
    const posted: unknown[] = [];
    frame.contentWindow!.postMessage = (message: unknown) => posted.push(message);
    window.dispatchEvent(new MessageEvent('message', { data: { sagedeskFrameReady: true }, source: window }));
    expect(posted).toEqual([]);
    window.dispatchEvent(new MessageEvent('message', { data: { sagedeskFrameReady: true }, source: frame.contentWindow }));
    expect(posted).toEqual([{ sagedeskFrameDocument: frameDocument(html) }]);
    // Once per frame: a page that loads again gets nothing.
    window.dispatchEvent(new MessageEvent('message', { data: { sagedeskFrameReady: true }, source: frame.contentWindow }));
    expect(posted).toHaveLength(1);
  });

  it('sizes a frame from its own height messages only, within bounds', () => {
    expect(frameHeight({ sagedeskFrameHeight: 311.2 })).toBe(312);
    expect(frameHeight({ sagedeskFrameHeight: 1e9 })).toBe(FRAME_MAX_HEIGHT);
    expect(frameHeight({ sagedeskFrameHeight: '300' })).toBeNull();
    expect(frameHeight('300')).toBeNull();
    const outputs = new LiveOutputs([{ output_type: 'display_data', data: { 'text/html': '<p>x</p>' }, metadata: {} }]);
    const frame = showOutputs(outputs).querySelector('iframe')!;
    // A message from elsewhere (another frame, the window itself) is ignored.
    window.dispatchEvent(new MessageEvent('message', { data: { sagedeskFrameHeight: 500 }, source: window }));
    flushSync();
    expect(frame.style.height).toBe('160px');
    window.dispatchEvent(new MessageEvent('message', { data: { sagedeskFrameHeight: 48 }, source: frame.contentWindow }));
    flushSync();
    expect(frame.style.height).toBe('48px');
  });

  it('typesets the LaTeX of %display latex with MathJax, Sage macros included', async () => {
    const outputs = new LiveOutputs();
    const container = showOutputs(outputs);
    replayInto(outputs, 'run-latex');
    outputs.apply([
      {
        kind: 'insert',
        index: 1,
        output: {
          output_type: 'execute_result',
          execution_count: 6,
          data: { 'text/html': '<html>\\(\\displaystyle \\newcommand{\\Bold}[1]{\\mathbf{#1}}\\Bold{F}_{7}\\)</html>', 'text/plain': 'Finite Field of size 7' },
          metadata: {},
        },
      },
    ]);
    flushSync();
    await waitFor(() => expect(container.querySelectorAll('mjx-container')).toHaveLength(2), { timeout: 5000 });
    const [integral, field] = container.querySelectorAll('mjx-container');
    expect(integral.querySelector('svg')).not.toBeNull();
    expect(integral.getAttribute('data-tex')).toContain('\\cos\\left(x\\right)');
    expect(field.getAttribute('data-tex')).toContain('\\Bold{F}_{7}');
    expect(container.querySelector(TEX_TROUBLE)).toBeNull();
  });

  it('knows the Sage macros', async () => {
    const { container } = render(MarkdownView, { source: '$\\ZZ \\QQ \\RR \\CC \\NN \\GF{9} \\Zmod{6} \\Frac \\lt \\gt \\QQbar$' });
    await waitFor(() => expect(container.querySelector('mjx-container')).not.toBeNull(), { timeout: 5000 });
    expect(container.querySelector(TEX_TROUBLE)).toBeNull();
    const { container: bad } = render(MarkdownView, { source: '$\\notamacro$ $\\frac{1}$' });
    await waitFor(() => expect(bad.querySelectorAll('mjx-container')).toHaveLength(2), { timeout: 5000 });
    expect(bad.querySelectorAll(TEX_TROUBLE)).toHaveLength(2);
  });

  it('shows a traceback with its colours, and plain text', () => {
    const outputs = new LiveOutputs();
    const container = showOutputs(outputs);
    replayInto(outputs, 'run-error');
    replayInto(outputs, 'run-factor');
    flushSync();
    expect(container.textContent).toContain('274177 * 67280421310721');
    outputs.reset(run('run-error').outputs);
    flushSync();
    const error = container.querySelector('[data-output-type="error"]')!;
    expect(error.textContent).toContain('ZeroDivisionError: rational division by zero');
    expect(error.querySelector('.ansi-fg-1')).not.toBeNull();
  });

  it('renders markdown safely and keeps links from leaving the app', () => {
    const { container } = render(MarkdownView, { source: '**bold** <b onclick=x>raw</b> [site](https://example.org)' });
    expect(container.querySelector('strong')?.textContent).toBe('bold');
    expect(container.querySelector('b')).toBeNull();
    const link = container.querySelector('a')!;
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    expect(link.title).toBe('https://example.org');
  });
});

describe('streams', () => {
  const text = (root: HTMLElement) => root.textContent;

  it('appends text as new nodes, keeping what is shown', () => {
    const root = document.createElement('pre');
    const renderer = new StreamRenderer(root);
    const stream: StreamOutput = { output_type: 'stream', name: 'stdout', text: 'a\nb' };
    renderer.show(stream);
    const firstLine = root.querySelector('.stream-lines')!.firstChild;
    renderer.change(stream, { kind: 'append', text: 'c\nd' });
    expect(text(root)).toBe('a\nbc\nd');
    // The complete line drawn first is the same node: nothing was redrawn.
    expect(root.querySelector('.stream-lines')!.firstChild).toBe(firstLine);
    renderer.change(stream, { kind: 'rewrite', text: 'e' });
    expect(text(root)).toBe('a\nbc\ne');
    renderer.change(stream, { kind: 'rewrite', text: 'f\ng' });
    expect(text(root)).toBe('a\nbc\nf\ng');
    expect(renderer.lines).toBe(3);
  });

  it('follows a progress line through the run: only the last state stays', () => {
    const outputs = new LiveOutputs();
    const container = showOutputs(outputs);
    replayInto(outputs, 'run-progress');
    flushSync();
    const [stdout, stderr] = container.querySelectorAll('.stream');
    expect(stdout.querySelector('pre')!.textContent).toBe('100%\ndone\n');
    expect(stderr.classList.contains('stderr')).toBe(true);
    expect(stderr.querySelector('pre')!.textContent).toBe('warning: slow\n');
  });

  it('keeps colours across pieces and across lines', () => {
    const root = document.createElement('pre');
    const renderer = new StreamRenderer(root);
    const stream: StreamOutput = { output_type: 'stream', name: 'stdout', text: '\x1b[3' };
    renderer.show(stream);
    renderer.change(stream, { kind: 'append', text: '2mgreen\nstill green' });
    const green = [...root.querySelectorAll('.ansi-fg-2')].map((span) => span.textContent);
    expect(green).toEqual(['green\n', 'still green']);
  });

  it('shows a cut stream as head, the line for what was left out, then tail', () => {
    const outputs = new LiveOutputs();
    const container = showOutputs(outputs);
    replayInto(outputs, 'run-cut');
    flushSync();
    const stream = container.querySelector('.stream')!;
    expect(stream.querySelector('.stream-head')!.textContent).toBe('1\n2\n');
    expect(stream.querySelector('.stream-marker')!.textContent).toBe('… 3 lines (6 bytes) not kept …');
    expect(stream.querySelector('.stream-lines')!.textContent).toBe('6\n7\n');
  });

  it('words a million printed lines as the core does', () => {
    const root = document.createElement('pre');
    const renderer = new StreamRenderer(root);
    const head = Array.from({ length: 500 }, (_, i) => `${i}\n`).join('');
    const tail = Array.from({ length: 500 }, (_, i) => `${999_500 + i}\n`).join('');
    const stream: Output = {
      output_type: 'stream',
      name: 'stdout',
      text: head,
      tail: { omitted_lines: 999_000, omitted_bytes: 6_883_500, text: tail },
    };
    renderer.show(stream);
    expect(root.querySelector('.stream-marker')!.textContent).toBe('… 999,000 lines (6.9 MB) not kept …');
    expect(text(root)!.startsWith('0\n1\n')).toBe(true);
    expect(text(root)!.endsWith('999999\n')).toBe(true);
    expect(renderer.lines).toBe(1001);
  });

  it('drops lines off the front of the tail, even inside a chunk', () => {
    const root = document.createElement('pre');
    const renderer = new StreamRenderer(root);
    const stream: StreamOutput = {
      output_type: 'stream',
      name: 'stdout',
      text: 'h\n',
      tail: { omitted_lines: 1, omitted_bytes: 2, text: '\x1b[31ma\nb\n' },
    };
    renderer.show(stream);
    renderer.change(stream, { kind: 'append', text: 'c\nd\n' });
    stream.tail = { omitted_lines: 4, omitted_bytes: 8, text: 'd\n' };
    renderer.change(stream, { kind: 'trim', lines: 3 });
    expect(root.querySelector('.stream-lines')!.textContent).toBe('d\n');
    expect(root.querySelector('.stream-marker')!.textContent).toBe('… 4 lines (8 bytes) not kept …');
    // The colour set in a dropped line still applies to what is left.
    expect(root.querySelector('.stream-lines .ansi-fg-1')?.textContent).toBe('d\n');
  });

  it('bounds a long stream, with a button to show it all', async () => {
    const outputs = new LiveOutputs();
    const container = showOutputs(outputs);
    outputs.apply([{ kind: 'insert', index: 0, output: { output_type: 'stream', name: 'stdout', text: 'start\n' } }]);
    flushSync();
    const pre = container.querySelector('pre')!;
    expect(pre.classList.contains('bounded')).toBe(false);
    expect(screen.queryByRole('button')).toBeNull();
    const line = 'x\n'.repeat(STREAM_VIEW_LINES);
    outputs.apply([{ kind: 'appendText', index: 0, text: line }]);
    flushSync();
    expect(pre.classList.contains('bounded')).toBe(true);
    const toggle = screen.getByRole('button');
    expect(toggle.textContent).toContain(`Show all ${STREAM_VIEW_LINES + 1} lines`);
    toggle.click();
    flushSync();
    expect(pre.classList.contains('bounded')).toBe(false);
    expect(toggle.textContent).toContain('Show less');
    // The same pre element all along: appended, never redrawn.
    expect(container.querySelector('pre')).toBe(pre);
    expect(pre.textContent).toBe(`start\n${line}`);
  });

  it('stops following a run whose updates do not fit, and says so', () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const outputs = new LiveOutputs();
    const container = showOutputs(outputs);
    outputs.apply([{ kind: 'appendText', index: 0, text: 'x' }]);
    flushSync();
    expect(outputs.lostTrack).toBe('output 0 is not a stream with the text this update expects');
    expect(container.querySelector('[role="alert"]')?.textContent).toContain('run the cell again');
    outputs.reset();
    flushSync();
    expect(container.querySelector('[role="alert"]')).toBeNull();
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });
});

describe('links in markdown', () => {
  it('opens web addresses in the system browser, other notebooks in the app, and nothing else', async () => {
    const { fakeShell } = await import('../testing/shell');
    const { clearMocks } = await import('@tauri-apps/api/mocks');
    const shell = fakeShell();
    const { container } = render(MarkdownView, {
      source: '[Sage](https://www.sagemath.org/) [next](ch2/next.ipynb) [file](file:///etc/passwd) [top](#top)',
    });
    const opened: string[] = [];
    container.addEventListener('open-notebook', (event) => opened.push((event as CustomEvent<string>).detail));
    const links = [...container.querySelectorAll('a')];
    for (const link of links) link.click();
    await waitFor(() => expect(shell.callsOf('open_link')).toEqual([{ url: 'https://www.sagemath.org/' }]));
    expect(opened).toEqual(['ch2/next.ipynb']);
    clearMocks();
  });
});

describe('attached images', () => {
  it('shows a markdown cell its attached images, and the text of one it has not', () => {
    const { container } = render(MarkdownView, {
      source: '![a plot](attachment:plot.png) ![gone](attachment:missing.png)',
      attachments: { 'plot.png': { 'image/png': 'iVBORw0K' } },
    });
    const images = container.querySelectorAll('img');
    expect(images).toHaveLength(1);
    expect(images[0].getAttribute('src')).toBe('data:image/png;base64,iVBORw0K');
    expect(container.textContent).toContain('gone');
  });
});

describe('workspace images', () => {
  it('asks the shell for images named relative to the notebook, and says why one cannot be shown', async () => {
    const { fakeShell } = await import('../testing/shell');
    const { clearMocks } = await import('@tauri-apps/api/mocks');
    const shell = fakeShell({
      workspaceImage: (_path, src) => {
        if (src === 'fig/a b.png') return { mime: 'image/png', data: 'iVBORw0K' };
        throw { code: 'outside_workspace', message: '"../x.png" leads out of the workspace' };
      },
    });
    const { container } = render(MarkdownView, {
      source: '![plot](fig/a%20b.png) ![x](../x.png) ![web](https://example.org/x.png)',
      notebook: 'ch1/n.ipynb',
    });
    await waitFor(() => expect(container.querySelector('img[src^="data:"]')).not.toBeNull());
    expect(container.querySelector('img[src^="data:"]')!.getAttribute('src')).toBe('data:image/png;base64,iVBORw0K');
    await waitFor(() => expect(container.querySelector('[data-testid="missing-image"]')?.textContent).toContain('leads out'));
    expect(shell.callsOf('workspace_image')).toEqual([
      { path: 'ch1/n.ipynb', src: 'fig/a b.png' },
      { path: 'ch1/n.ipynb', src: '../x.png' },
    ]);
    clearMocks();
  });
});
