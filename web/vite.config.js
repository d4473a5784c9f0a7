import { defineConfig } from "vite";

// The build goes into the Python package so that `guarantor dashboard` / `guarantor serve`
// work from a fresh clone without npm (the bundle is committed; see docs/report.md).
export default defineConfig({
  base: "./",
  build: {
    outDir: "../src/guarantor/report/static",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
});
