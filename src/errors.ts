/** Errors that reach the user, with the exit code each one means. */

export const ExitCode = {
  ok: 0,
  failure: 1,
  badInput: 2,
  /** A threshold, baseline gate or expected digest failed (k6's code for failed thresholds). */
  thresholdsFailed: 99,
  /** `cascadesim check` and `race`: an invariant breaks (the same code as a failed gate). */
  violation: 99,
  interrupted: 130,
} as const;

/** Bad input: a scenario, an option or a file. Lists every problem, each with its path. Exit code 2. */
export class InputError extends Error {
  constructor(
    readonly problems: string[],
    readonly heading = 'invalid input',
  ) {
    super(`${heading}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InputError';
  }
}

/** An output could not be written (a full disk, /dev/full, a closed pipe): an I/O failure, exit code 1, one line. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}
