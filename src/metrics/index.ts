/** Client metrics, coordinator side: merge worker windows, summarise runs and phases. */
export { mergeClientWindows, summarizeClients, type ClientWindow, type ClientsSummary, type PhaseSummary } from './client-windows.ts';
export { CLIENT_COUNTERS, ERROR_CLASSES, type ClientWindowRaw, type ClientCounterName } from './client-counters.ts';
export { type LatencyPercentilesMs } from './hdr.ts';
