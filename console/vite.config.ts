import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by dshub under /console/ (src/server/console-static.ts), from
// dist/console next to the compiled server.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  resolve: {
    // Ajv compiles validators with `new Function`, forbidden by the console's CSP; validation
    // of connection properties is left to the API (src/api/schema-validator.ts).
    alias: { '@rjsf/validator-ajv8': `${import.meta.dirname}/src/api/no-ajv.ts` },
  },
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    // No inline script anywhere: the page's Content-Security-Policy forbids it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
});
