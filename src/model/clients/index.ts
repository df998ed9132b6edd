/** The resolver-client population (issue 3): what the engine and the EC2 model import. */
export { ClientShard, shardRange, type ClientEnv, type ClientWindowRaw, type SparseCounts } from './shard.ts';
export { estimateClientBytes, checkClientMemory, RECORD_BYTES } from './records.ts';
export { DdbCaller, DDB_CALLER_STREAM, type DdbCallResult } from './ddb-caller.ts';
