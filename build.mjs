// Bundles the CLI, the package entry (src/api.ts -> dist/index.js) and the worker entry point into dist/, then emits
// the package's type declarations (dist/types/, tsconfig.build.json): esbuild strips types and cannot write them. piscina stays external: bundled, it would
// spawn its own worker bootstrap from the wrong directory (piscina #766, esbuild #1874).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: {
    cli: 'src/cli.ts',
    index: 'src/api.ts',
    'sim-worker': 'workers/sim-worker.ts',
    'race-worker': 'workers/race-worker.ts',
    'sweep-worker': 'workers/sweep-worker.ts',
  },
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

// The declarations come from tsc itself (the one authority on types), run in-process so a build is one command.
const tsc = spawnSync(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
