/** `cascadesim metrics`: the catalogue of metric names thresholds, gates and sweeps take (name, unit, meaning). */
import { listMetrics } from '../../api.ts';
import { ExitCode, InputError } from '../../errors.ts';
import { renderTable } from '../../report/table.ts';
import { type Out, outColors, parse } from '../common.ts';

export function cmdMetrics(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length > 0) throw new InputError([`metrics takes no arguments, got ${positionals.join(' ')}`], 'bad command line');
  const all = listMetrics();
  if (values.json === true) {
    io.out(JSON.stringify(all));
    return ExitCode.ok;
  }
  const c = outColors(io);
  io.out(
    c.dim(
      'units: ratio (0..1; conditions may say 5%), count, s and ms (conditions may say 250ms, 2m, 1h), x (a multiple), bool (1/0), per_s',
    ),
  );
  io.out(c.dim('per-phase metrics name the phase second (clients.outage.errorRate); a phase the run lacks reads as n/a'));
  io.out('');
  for (const l of renderTable(
    ['metric', 'unit', 'meaning'],
    all.map((m) => [m.name, m.unit, m.meaning]),
    { colors: c, align: ['l', 'l', 'l'], indent: '' },
  ))
    io.out(l);
  return ExitCode.ok;
}
