/**
 * Whether worker 0 invites the helpers to the next stretch of epochs, or runs those epochs' chunks alone.
 *
 * Why a choice at all: on a machine where another process takes a core now and then (a shared CI runner, a
 * neighbour's build), lock-step epochs can cost more with helpers than without. The wake-up call at an epoch's
 * opening tends to put the helper on worker 0's own core, and a helper preempted while it holds a chunk holds up
 * the epoch's end. Measured beside a CPU-burning process: 2 workers took 1.18x the time of 1 (the default scenario
 * at 1,200 s, stop 19). Who runs a chunk cannot change a result (worker-loop.ts), so the choice may follow the
 * machine: it is made from wall-clock timings, like the work sharing itself, and nothing of it reaches the model.
 *
 * The rule, a two-armed comparison: time is cut into blocks of at least BLOCK_MS (whole epochs), each costed as its
 * wall time per chunk (a chunk is a calendar page of records; the epochs' fixed work, the control phase and EC2,
 * is spread over them). Worker 0 plays the current mode and, after `period` costed blocks, plays one block of the
 * other (a look), then one of the current mode again. When the look beats the mean of the blocks on either side by
 * MARGIN, the other mode becomes current and the next look comes soon (period back to PERIOD_MIN); otherwise looks
 * come half as often (the period doubles, up to PERIOD_MAX). So once settled, one block in PERIOD_MAX + 2 is a look:
 * on a quiet machine, where the helpers pay, that block runs alone; beside a neighbour that makes them cost, that
 * block has them.
 * What it gains, measured on a 2-vCPU VM (README, "Measured", 2026-12-07): beside one CPU-burning process, at 1,200
 * simulated seconds, the median run was 12% faster than with the helpers always invited (6 alternating rounds);
 * at full length, 4 rounds showed no difference beyond the machine's noise. Quiet, and beside three burners (where
 * two threads get more of the machine than one), it keeps the helpers (1-5% of the epochs alone: its looks).
 * Leaves out: anything finer than all helpers or none (with 2 workers there is one helper), and costs measured
 * per worker (a thread's CPU time would need a system call per read; wall time per chunk is what the run pays).
 */

/** Helpers: 'auto' follows the rule above; 'always' and 'never' fix the mode (tests, benchmarks, a user who knows). */
export const HELPER_MODES = ['auto', 'always', 'never'] as const;
export type HelperMode = (typeof HELPER_MODES)[number];
export const isHelperMode = (v: unknown): v is HelperMode => HELPER_MODES.includes(v as HelperMode);
/** The engine's modes: also 'alternate', stretches of ALTERNATE_EPOCHS epochs with and without the helpers (tests). */
export type ParticipationMode = HelperMode | 'alternate';

/** A block lasts at least this long: scheduler time slices (a few ms) average out within it. */
export const BLOCK_MS = 40;
/** Blocks not costed at the start: code is still being compiled, and the first epochs are not typical. */
export const WARMUP_BLOCKS = 2;
/** The other mode must be this much cheaper per chunk to be switched to (a single block is noisy). */
export const MARGIN = 0.1;
/** Costed blocks in the current mode before a look at the other: at least PERIOD_MIN, at most PERIOD_MAX. */
export const PERIOD_MIN = 4;
export const PERIOD_MAX = 64;
/** Mode 'alternate': the helpers are invited to this many epochs, then left out of as many, and so on. */
export const ALTERNATE_EPOCHS = 13;

enum Phase {
  /** Playing the current mode. */
  SETTLED,
  /** One block of the other mode. */
  LOOK,
  /** One block of the current mode again, right after the look: the look is judged against the blocks around it. */
  AFTER,
}

export class Participation {
  /** Whether the helpers are invited in the current block. */
  invite: boolean;
  /** Epochs run without inviting the helpers (the looks and mode 'never' included). */
  soloEpochs = 0;
  private readonly mode: ParticipationMode;
  private epochs = 0;
  /** The current mode: with the helpers or alone. */
  private parallel = true;
  private phase = Phase.SETTLED;
  private period = PERIOD_MIN;
  /** Costed blocks in the current mode since the last look. */
  private since = 0;
  private blocks = 0;
  /** Cost per chunk (ms) of the current mode's last costed block before the look, and of the look. */
  private beforeMs = Number.NaN;
  private lookMs = Number.NaN;
  private blockStartMs = 0;
  private blockChunks = 0;

  constructor(mode: ParticipationMode, nowMs: number) {
    this.mode = mode;
    this.invite = mode !== 'never';
    this.blockStartMs = nowMs;
  }

  /**
   * An epoch ended at nowMs with `chunks` chunks; returns whether the helpers are invited to the next one. Only
   * called between epochs, when no chunk is being run.
   */
  epochDone(chunks: number, nowMs: number): boolean {
    if (!this.invite) this.soloEpochs++;
    this.epochs++;
    if (this.mode === 'alternate') this.invite = Math.floor(this.epochs / ALTERNATE_EPOCHS) % 2 === 0;
    if (this.mode !== 'auto') return this.invite;
    this.blockChunks += chunks;
    const elapsedMs = nowMs - this.blockStartMs;
    if (elapsedMs < BLOCK_MS) return this.invite;
    this.blocks++;
    this.blockDone(this.blocks > WARMUP_BLOCKS && this.blockChunks > 0 ? elapsedMs / this.blockChunks : Number.NaN);
    this.blockStartMs = nowMs;
    this.blockChunks = 0;
    return this.invite;
  }

  /** A block's cost per chunk (NaN: not costed, nothing learnt); sets the next block's mode. */
  private blockDone(costMs: number): void {
    switch (this.phase) {
      case Phase.SETTLED:
        if (Number.isFinite(costMs)) {
          this.beforeMs = costMs;
          if (++this.since >= this.period) this.phase = Phase.LOOK;
        }
        break;
      case Phase.LOOK:
        this.lookMs = costMs;
        this.phase = Phase.AFTER;
        break;
      case Phase.AFTER: {
        // Judged against the mean of the blocks on either side, so that a trend in the run's cost per chunk (the
        // epochs' mix of work changes as the scenario goes on) does not pass for a difference between the modes.
        const aroundMs = (this.beforeMs + costMs) / 2;
        if (Number.isFinite(this.lookMs) && Number.isFinite(aroundMs)) {
          if (this.lookMs < aroundMs * (1 - MARGIN)) {
            this.parallel = !this.parallel;
            this.period = PERIOD_MIN;
          } else {
            this.period = Math.min(this.period * 2, PERIOD_MAX);
          }
        }
        this.since = 0;
        this.beforeMs = costMs;
        this.phase = Phase.SETTLED;
        break;
      }
    }
    this.invite = this.phase === Phase.LOOK ? !this.parallel : this.parallel;
  }
}
