/**
 * The command line's dispatcher: one module per subcommand under commands/, each a thin layer over the library.
 * Exit codes: 0 done, 1 failure, 2 bad input, 99 a gate failed, 130 interrupted (a partial result is still written).
 */
import { builtinScenarios, DEFAULT_SCENARIO } from '../api.ts';
import { ExitCode, InputError, OutputError } from '../errors.ts';
import { clip } from '../io/input.ts';
import { CHECK_USAGE, cmdCheck } from './commands/check.ts';
import { cmdCompare } from './commands/compare.ts';
import { cmdMetrics } from './commands/metrics.ts';
import { RACE_USAGE, cmdRace } from './commands/race.ts';
import { cmdReport } from './commands/report.ts';
import { cmdRun } from './commands/run.ts';
import { cmdShow } from './commands/show.ts';
import { cmdSweep } from './commands/sweep.ts';
import { cmdValidate } from './commands/validate.ts';
import type { Out } from './common.ts';

const HELP = `cascadesim: deterministic simulator of the AWS us-east-1 2025-10-20 cascading failure

usage:
  cascadesim run [SCENARIO] [--seed N] [--workers N] [--set key.path=value ...] [--out FILE] [--html FILE] [--json] [--quiet] [GATES]
  cascadesim report RESULT [--html FILE] [--csv FILE] [--json] [--hlog FILE] [GATES]
  cascadesim compare A B [--html FILE] [--labels NAME_A,NAME_B] [--fail-if 'METRIC OP [+-]VALUE' ...] [--junit FILE]
  cascadesim metrics [--json]
  cascadesim show [SCENARIO] [--set key.path=value ...] [--json]
  cascadesim validate FILE
  cascadesim list
  ${CHECK_USAGE}
  ${RACE_USAGE}
  cascadesim sweep SPEC [--seeds N] [--seed N] [--vary PATH=V1,V2,...] [--set ...] [--jobs N] [--out FILE] [--resume]
                   [--shard I/N | --shard-count N] [--csv F] [--csv-runs F] [--points F] [--html F] [--json] [--dry-run]
  cascadesim sweep --list | sweep merge FILES... [--out F] | sweep report FILE

SCENARIO is a file (YAML or JSON) or a built-in name; the default is ${DEFAULT_SCENARIO}.
--set overrides any value by dotted path (dns.faults[0].atS=900 or dns.faults.0.atS=900); values parse as
JSON where they can (--set clients=null), as strings otherwise.
run: --out writes the result file (RESULT), --html a self-contained HTML report; Ctrl-C or SIGTERM stops at the
  next epoch and still writes both, marked partial (a second signal quits at once). An output may be a device or
  a pipe (/dev/null, /dev/stdout with --quiet); it must not be an input.
report: with no option, prints the summary tables; --csv (one row per metrics window) and --hlog (HdrHistogram
  interval log of the latency windows) take - for stdout; --json prints the per-window series as JSON.
sweep: runs a scenario over a grid of parameters and seeds in parallel (one run per thread, --jobs threads);
  SPEC is a sweep file or a built-in sweep (sweep --list); --base SCENARIO --vary ... needs no file. --out appends
  each finished run (JSON Lines) and --resume continues an interrupted sweep; --shard I/N runs every N-th run from
  the I-th (--shard-count N takes I from JOB_COMPLETION_INDEX), and sweep merge combines the shards.
compare: two results side by side with differences; --html puts both runs on the same charts.
GATES (exit code 99 when one fails; the scenario's own thresholds: section is always judged):
  --threshold 'METRIC<VALUE'   e.g. 'dns.violations==0', 'clients.outage.latencyMs.p99<=250ms' (repeatable)
  --baseline RESULT --fail-if 'METRIC > +10%'   fail when the new value crosses a limit relative to RESULT's
  --expect-digest HEX|RESULT   fail when the digest differs; given the expected result, name the parts that differ
  --junit FILE                 JUnit XML: a testcase per threshold, gate and invariant
  With GITHUB_STEP_SUMMARY set, a Markdown summary is appended to it.
metrics: the metric names thresholds and gates take (name, unit, meaning).
colours: on a terminal only, never with NO_COLOR set.
check: every schedule of the Planner, Enactors and clean-up within the bound, run by the model's own code;
  prints the shortest schedule breaking each invariant; --out writes one as a scenario that run replays.
race: the Planner, Enactors and client readers on their own threads, free-running on the shared store, every
  write and read checked; not deterministic (--seed seeds only the actors' delays).
exit codes: 0 done, 1 failure (an output that could not be written included), 2 bad input, 99 a threshold or gate
  failed or an invariant breaks (check, race), 130 interrupted (SIGINT or SIGTERM: the run stops at the next epoch
  and writes a partial result)`;

/** Problems listed for one error, and the characters of each line: enough to act on, never a flood. */
const MAX_PROBLEMS_SHOWN = 30;
const MAX_LINE = 300;

export async function main(argv: string[], io: Out): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'run':
        return await cmdRun(rest, io);
      case 'report':
        return cmdReport(rest, io);
      case 'compare':
        return cmdCompare(rest, io);
      case 'show':
        return cmdShow(rest, io);
      case 'validate':
        return cmdValidate(rest, io);
      case 'metrics':
        return cmdMetrics(rest, io);
      case 'check':
        return cmdCheck(rest, io);
      case 'race':
        return await cmdRace(rest, io);
      case 'sweep':
        return await cmdSweep(rest, io);
      case 'list':
        if (rest.length > 0) throw new InputError([`list takes no arguments, got ${rest.join(' ')}`], 'bad command line');
        for (const n of builtinScenarios()) io.out(n);
        return ExitCode.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return cmd === undefined ? ExitCode.badInput : ExitCode.ok;
      default:
        throw new InputError(
          [`unknown command '${cmd}' (run, report, compare, show, validate, metrics, list, sweep, check, race, help)`],
          'bad command line',
        );
    }
  } catch (err) {
    if (err instanceof InputError) {
      // One problem, one line: scripts and people both read the reason without scrolling. Each line is cut short
      // (a problem may quote the input), and a flood of problems is cut to the first few.
      const shown = err.problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => clip(p, MAX_LINE));
      if (shown.length === 1) io.err(`cascadesim: ${err.heading}: ${shown[0]}`);
      else {
        io.err(`cascadesim: ${err.heading}:`);
        for (const p of shown) io.err(`  ${p}`);
        if (err.problems.length > shown.length) io.err(`  ... and ${err.problems.length - shown.length} more problems`);
      }
      return ExitCode.badInput;
    }
    if (err instanceof OutputError) {
      io.err(`cascadesim: ${clip(err.message, MAX_LINE)}`);
      return ExitCode.failure;
    }
    const msg = err instanceof Error ? err.message : String(err);
    io.err(`cascadesim: error: ${clip(msg, MAX_LINE)}`);
    if (process.env.CASCADESIM_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    return ExitCode.failure;
  }
}
