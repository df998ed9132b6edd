/**
 * Peak memory of a large population in one process: builds a ClientShard of N clients (default 10M) over a
 * static plan, runs a few epochs, and prints one JSON line with peak RSS. Run in its own process by bench/run.ts.
 */
import { clientsSchema } from '../src/config/clients-schema.ts';
import { publishFullPlan, singleEndpointStore } from '../test/support/clients-harness.ts';
import { estimateClientBytes } from '../src/model/clients/records.ts';
import { ClientShard } from '../src/model/clients/shard.ts';

const count = Number(process.argv[2] ?? 10_000_000);
const epochs = Number(process.argv[3] ?? 5);
const rssBefore = process.memoryUsage().rss;
// Capacity scaled with the population so the load balancers run at rho = 1/3, as in the 1M macro benchmark.
const offeredPerLbS = (count * 0.2) / 12;
const store = singleEndpointStore(12, 3 * offeredPerLbS);
publishFullPlan(store, 1, 0);
store.lbOfferedPerS.fill(offeredPerLbS);
const cfg = clientsSchema.parse({ count });
const b0 = performance.now();
const shard = new ClientShard(cfg, 1, 0, count);
const buildMs = performance.now() - b0;
const env = { store, endpoint: 0, baseLatencyUs: 4000, attemptsByLb: new Float64Array(12) };
let attempts = 0;
const l0 = performance.now();
for (let e = 0; e < epochs; e++) attempts += shard.runEpoch(e, e + 1, env);
const loopMs = performance.now() - l0;
shard.closeWindow(0, 0, epochs);
const ru = process.resourceUsage();
console.log(
  JSON.stringify({
    count,
    epochs,
    attempts,
    buildMs,
    loopMs,
    attemptsPerS: attempts / (loopMs / 1000),
    stateBytes: shard.bytes(),
    estimateBytes: estimateClientBytes(count),
    rssBeforeBytes: rssBefore,
    peakRssBytes: ru.maxRSS * 1024,
  }),
);
