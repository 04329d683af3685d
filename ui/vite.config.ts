import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// The app is served from tauri:// with a strict CSP (see
// src-tauri/tauri.conf.json): everything must be a file of the bundle, so no
// asset is inlined as a data: URL and nothing is loaded from elsewhere.
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**'] },
  },
  build: {
    assetsInlineLimit: 0,
    sourcemap: false,
    // MathJax (its SVG glyphs, ~1.6 MB) is a chunk of its own, loaded when
    // the first formula is shown; the app's own chunk is ~600 kB.
    chunkSizeWarningLimit: 1800,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/test-setup.ts'],
  },
});
