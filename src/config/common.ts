/** Schema pieces shared by every section of a scenario. Messages are short and read after the path. */
import { z } from 'zod';

export const positive = () => z.number({ error: 'must be a number' }).positive({ error: 'must be > 0' });
/**
 * A period or step in seconds with a floor: every such time sets how many events a run schedules, so a tiny one
 * (1e-9) would make a run that never advances. The floors sit far below any modelled figure.
 */
export const periodS = (minS: number) =>
  z.number({ error: 'must be a number' }).min(minS, { error: `must be >= ${minS} (a shorter period would schedule too many events)` });
export const nonNegative = () => z.number({ error: 'must be a number' }).nonnegative({ error: 'must be >= 0' });
export const probability = () =>
  z.number({ error: 'must be a number' }).min(0, { error: 'must be >= 0' }).max(1, { error: 'must be <= 1' });
export const intIn = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(min, { error: `must be >= ${min}` })
    .max(max, { error: `must be <= ${max}` });

/** A duration in seconds drawn from a distribution. */
export const durationDist = z.discriminatedUnion(
  'dist',
  [
    z.strictObject({ dist: z.literal('const'), valueS: nonNegative() }),
    z.strictObject({ dist: z.literal('uniform'), minS: nonNegative(), maxS: nonNegative() }),
    z.strictObject({ dist: z.literal('exponential'), meanS: positive() }),
    z.strictObject({ dist: z.literal('lognormal'), medianS: positive(), sigma: nonNegative() }),
  ],
  { error: 'must have dist: const | uniform | exponential | lognormal' },
);
