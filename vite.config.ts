import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// base './': the built page works from any static host or CDN under any path (no server).
export default defineConfig({
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
