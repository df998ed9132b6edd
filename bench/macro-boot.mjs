// Worker bootstrap for the macro benchmark. Under `node --import tsx` on Node 20 a worker thread gets tsx's
// require() hook but not its ESM loader hooks (a .ts entry or import() fails with ERR_UNKNOWN_FILE_EXTENSION),
// so the TypeScript worker is loaded through require(), which tsx compiles.
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';

createRequire(import.meta.url)(new URL(workerData.entry).pathname);
