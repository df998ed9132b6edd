// Development-only worker entry: lets a pool started from TypeScript sources (tests, benchmarks under tsx) load
// the TypeScript worker. Node 20 does not pass --import tsx on to worker threads, so register tsx here.
// The built CLI never uses this file: it runs dist/sim-worker.js.
import { register } from 'tsx/esm/api';

register();
const { default: simulate } = await import('./sim-worker.ts');
export default simulate;
