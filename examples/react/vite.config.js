import { defineConfig } from 'vite';

// JSX is compiled by Vite's esbuild with React's automatic runtime; no plugin needed.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: { target: 'es2022' },
});
