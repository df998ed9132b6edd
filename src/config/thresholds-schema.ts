/**
 * The scenario's `thresholds:` section: metric -> condition or list of conditions, each a string (`"< 0.05"`,
 * `"<= 250ms"`) or `{ condition, abortOnFail }`. Metric names and conditions are checked here, at validate time,
 * each problem with its path and near metric names (gates/thresholds.ts does the checking).
 */
import { z } from 'zod';
import { thresholdIssues } from '../gates/thresholds.ts';

const conditionEntry = z.union([z.string(), z.strictObject({ condition: z.string(), abortOnFail: z.boolean().optional() })], {
  error: 'expected a condition ("< 0.05") or { condition, abortOnFail }',
});

export const thresholdsSchema = z
  .record(z.string(), z.union([z.string(), z.array(conditionEntry)], { error: 'expected a condition or a list of conditions' }))
  .superRefine((t, ctx) => {
    for (const { at, message } of thresholdIssues(t)) ctx.addIssue({ code: 'custom', path: at, message });
  });
