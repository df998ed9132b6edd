// Development-only sweep worker entry (tests under tsx), as dev-bootstrap.mjs is for the simulation worker.
import { register } from 'tsx/esm/api';

register();
const { default: run } = await import('./sweep-worker.ts');
export default run;
