/**
 * The load balancers as an epoch's clients see them: in service or not and capacity as the last control phase
 * left them, and the load offered in the previous epoch. Worker 0 copies them here from the store when it opens
 * an epoch, and every worker's clients read this copy (ClientEnv.lbs). So the epoch's control phase, which writes
 * the store, can run while the epoch's chunks do: no client reads the store after the epoch opens.
 * One SharedArrayBuffer of the population's (task.ts), lbCount x 20 bytes: capacities, offered loads (Float64),
 * then in-service flags (Int32).
 */
import type { SharedStore } from '../memory/store.ts';
import type { LbState } from '../model/clients/service.ts';

export class LbEpochState implements LbState {
  readonly lbCapacityPerS: Float64Array;
  readonly lbOfferedPerS: Float64Array;
  readonly lbInService: Int32Array;

  static bytesFor(lbCount: number): number {
    return lbCount * 20;
  }

  constructor(sab: SharedArrayBuffer, lbCount: number) {
    if (sab.byteLength !== LbEpochState.bytesFor(lbCount)) {
      throw new Error(
        `load-balancer epoch state: buffer is ${sab.byteLength} bytes, ${lbCount} load balancers need ${LbEpochState.bytesFor(lbCount)}`,
      );
    }
    this.lbCapacityPerS = new Float64Array(sab, 0, lbCount);
    this.lbOfferedPerS = new Float64Array(sab, 8 * lbCount, lbCount);
    this.lbInService = new Int32Array(sab, 16 * lbCount, lbCount);
  }

  /**
   * Worker 0, before it opens an epoch (no worker runs a chunk): the store as the last control phase left it, and
   * the offered load it summed after the last epoch's chunks.
   */
  publish(store: SharedStore): void {
    this.lbInService.set(store.lbInService);
    this.lbCapacityPerS.set(store.lbCapacityPerS);
    this.lbOfferedPerS.set(store.lbOfferedPerS);
  }
}
