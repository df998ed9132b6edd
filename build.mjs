// Bundles the CLI and the worker entry point into dist/. piscina stays external: bundled, it would
// spawn its own worker bootstrap from the wrong directory (piscina #766, esbuild #1874).
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: { cli: 'src/cli.ts', 'sim-worker': 'workers/sim-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['piscina'],
  logLevel: 'warning',
  // hdr-histogram-js looks for zlib through require(); without one it silently falls back to pako (3x slower).
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cascadesimCreateRequire } from 'node:module'; const require = __cascadesimCreateRequire(import.meta.url);",
  },
});
