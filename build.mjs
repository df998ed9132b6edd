// Bundles the CLI, the package entry (src/api.ts -> dist/index.js) and the worker entry point into dist/, then emits
// the package's type declarations (dist/types/, tsconfig.build.json): esbuild strips types and cannot write them. piscina stays external: bundled, it would
// spawn its own worker bootstrap from the wrong directory (piscina #766, esbuild #1874).
// `--bundle-only` (npm start, the benchmarks) skips the declarations: only the package needs them, and tsc takes
// about 5.5 s of the build's 6.3 s here, where the bundles take 0.8 s.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

// The client scan's WebAssembly kernel (src/model/clients/wasm/scan.ts, AssemblyScript): no runtime, no data
// segment, the population's shared memory imported (src/model/clients/kernel.ts loads it from dist/). Compiled
// only when the source is newer than the module: asc takes about 3 s, the bundles under 1.
const KERNEL_SRC = 'src/model/clients/wasm/scan.ts';
const KERNEL_OUT = 'dist/client-scan.wasm';
const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : -1);
if (mtime(KERNEL_OUT) < Math.max(mtime(KERNEL_SRC), mtime('build.mjs'))) await compileKernel();

async function compileKernel() {
  // Loaded only here: the compiler (with Binaryen) takes a second to load.
  const { default: asc } = await import('assemblyscript/asc');
  const { error, stderr } = await asc.main(
    [
      KERNEL_SRC,
      '--outFile',
      KERNEL_OUT,
      '-O3',
      '--noAssert',
      '--runtime',
      'stub',
      '--use',
      'abort=',
      '--importMemory',
      '--sharedMemory',
      '--enable',
      'threads',
      '--initialMemory',
      '1',
      '--maximumMemory',
      '65536',
    ],
    {},
  );
  if (error) {
    console.error(`build: the client scan kernel did not compile: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
}

const built = await esbuild.build({
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
  metafile: true,
  // hdr-histogram-js looks for zlib through require(); without one it silently falls back to pako (3x slower).
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cascadesimCreateRequire } from 'node:module'; const require = __cascadesimCreateRequire(import.meta.url);",
  },
});

// The simulation worker must not bundle zod (the schemas): it cost each worker thread 70-80 ms of start-up. A
// value import of a schema module from the engine would bring it back silently, so the build refuses it.
const workerInputs = Object.keys(built.metafile.outputs['dist/sim-worker.js']?.inputs ?? {});
const schemaInputs = workerInputs.filter((f) => f.includes('node_modules/zod/') || f.includes('-schema.ts'));
if (schemaInputs.length > 0) {
  console.error(`build: dist/sim-worker.js bundles the config schemas (${schemaInputs.slice(0, 3).join(', ')}); import their types only`);
  process.exit(1);
}

if (process.argv.includes('--bundle-only')) process.exit(0);

// The declarations come from tsc itself (the one authority on types), run in-process so a build is one command.
const tsc = spawnSync(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
