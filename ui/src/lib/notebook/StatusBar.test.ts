import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kernelView } from '../kernel/fixtures';
import StatusBar from './StatusBar.svelte';

afterEach(cleanup);

describe('StatusBar', () => {
  it('shows the word and the line the core derives from the kernel state', () => {
    render(StatusBar, { kernel: kernelView('dead-out-of-memory'), save: { kind: 'saved', at: null } });
    expect(screen.getByTestId('kernel-status').textContent).toBe('dead');
    expect(screen.getByText('The Sage kernel ran out of memory (limit 2 GiB).')).toBeTruthy();
  });

  it('says in the tooltip how many messages the kernel client dropped', () => {
    const idle = kernelView('idle');
    render(StatusBar, { kernel: idle, save: { kind: 'saved', at: null } });
    expect(screen.getByTestId('kernel-tooltip').title).toBe('Ready');
    cleanup();
    render(StatusBar, { kernel: { ...idle, dropped_messages: 3 }, save: { kind: 'saved', at: null } });
    expect(screen.getByTestId('kernel-tooltip').title).toBe(
      "Ready\n3 forged or malformed messages on the kernel's ports dropped, never run",
    );
  });

  it('offers a restart when the kernel does not respond, and only then', async () => {
    const onrestart = vi.fn();
    render(StatusBar, { kernel: kernelView('not-responding'), save: { kind: 'saved', at: null }, onrestart });
    expect(screen.getByTestId('kernel-status').textContent).toBe('not responding');
    expect(
      screen.getByText('The Sage kernel has not answered for 8 s. Wait for it, or restart it (its variables are lost).'),
    ).toBeTruthy();
    await fireEvent.click(screen.getByTestId('restart-not-responding'));
    expect(onrestart).toHaveBeenCalledOnce();
    cleanup();
    render(StatusBar, { kernel: kernelView('busy'), save: { kind: 'saved', at: null }, onrestart });
    expect(screen.queryByTestId('restart-not-responding')).toBeNull();
  });

  it('reads as starting until the shell reports the kernel', () => {
    render(StatusBar, { kernel: null, save: { kind: 'saved', at: null } });
    expect(screen.getByTestId('kernel-status').textContent).toBe('starting');
  });
});
