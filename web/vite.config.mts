// The web UI's build: `vite build --config web/vite.config.mts` writes web/dist, which the API serves at `/`.
// Plain Vite: its built-in Oxc transform compiles the TSX (automatic JSX runtime, see tsconfig.json).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = `http://localhost:${process.env.PORT ?? 3000}`;

export default defineConfig({
  root,
  base: './',
  // No public/ folder: nothing is copied unprocessed.
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rolldownOptions: {
      output: {
        // React, TanStack Query and Chart.js change rarely: their own chunks stay cached across releases of the app.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'query', test: /node_modules[\\/]@tanstack[\\/]/ },
            { name: 'charts', test: /node_modules[\\/](chart\.js|@kurkle)[\\/]/ },
          ],
        },
      },
    },
  },
  // `vite --config web/vite.config.mts` for UI work, with the API running (npm start) on PORT.
  server: { proxy: { '/api': api, '/openapi.json': api, '/health': api } },
});
