/**
 * The client scan's WebAssembly kernel (src/model/clients/wasm/scan.ts), compiled once per thread from
 * dist/client-scan.wasm: beside the bundle that runs (dist/), or the repository's dist/ when running from source
 * (tests under tsx). The model takes the compiled module from here and stays free of I/O.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let compiled: WebAssembly.Module | null = null;

export function scanKernel(): WebAssembly.Module {
  if (compiled) return compiled;
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/client-scan.wasm', here) : new URL('./client-scan.wasm', here);
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch {
    throw new Error(`the client scan kernel ${fileURLToPath(url)} is missing: run npm run build`);
  }
  compiled = new WebAssembly.Module(bytes);
  return compiled;
}
