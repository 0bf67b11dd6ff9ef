import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web console (网页控制台): a Preact single-page app built into dist/web and served by the service
 * itself under /console/ (src/http/console.ts). No inline scripts, so helmet's CSP (script-src 'self') holds.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    modulePreload: { polyfill: false },
    // About 200 KB of the bundle is the GB/T 2260 district table (3,600 names; 135 KB gzipped in all).
    chunkSizeWarningLimit: 600,
  },
});
