/**
 * The shape of a scenario's `thresholds:` section: metric -> condition or list of conditions, each a string
 * (`"< 0.05"`, `"<= 250ms"`) or `{ condition, abortOnFail }`. Metric names and conditions are checked against the
 * metrics catalogue by validateScenario (load.ts), not here: the catalogue reads results, whose type includes the
 * scenario's, and the schema must not depend on it.
 */
import { z } from 'zod';

const conditionEntry = z.union([z.string(), z.strictObject({ condition: z.string(), abortOnFail: z.boolean().optional() })], {
  error: 'expected a condition ("< 0.05") or { condition, abortOnFail }',
});

export const thresholdsSchema = z.record(
  z.string(),
  z.union([z.string(), z.array(conditionEntry)], { error: 'expected a condition or a list of conditions' }),
);
