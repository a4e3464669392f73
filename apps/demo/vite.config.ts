import { defineConfig } from 'vite';

export default defineConfig({
  // Relative URLs: the built page works from any folder of any static server.
  base: './',
  build: {
    target: 'es2022',
    // TF.js and the model code make one large chunk; that is expected for this page.
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: true,
  },
});
