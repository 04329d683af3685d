import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Font Awesome 4's stylesheet names its font in five formats; WebKitGTK
 * reads WOFF2, so the other four (about 870 kB) stay out of the bundle.
 */
function fontAwesomeWoff2Only(): Plugin {
  return {
    name: 'font-awesome-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!id.replace(/\\/g, '/').endsWith('font-awesome/css/font-awesome.css')) return null;
      const face =
        "@font-face{font-family:'FontAwesome';src:url('../fonts/fontawesome-webfont.woff2?v=4.7.0') format('woff2');font-weight:normal;font-style:normal}";
      const replaced = code.replace(/@font-face\s*\{[^}]*\}/, face);
      if (replaced === code) throw new Error('font-awesome.css has no @font-face to replace');
      return replaced;
    },
  };
}

// The app is served from tauri:// with a strict CSP (see
// src-tauri/tauri.conf.json): everything must be a file of the bundle, so no
// asset is inlined as a data: URL and nothing is loaded from elsewhere.
export default defineConfig({
  plugins: [fontAwesomeWoff2Only(), svelte(), svelteTesting()],
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
