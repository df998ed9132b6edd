/** `cascadesim validate`: check a scenario file without running it. */
import { validateScenarioFile } from '../../api.ts';
import { ExitCode, InputError } from '../../errors.ts';
import { type Out, parse } from '../common.ts';

export function cmdValidate(argv: string[], io: Out): number {
  const { positionals } = parse(argv, {});
  if (positionals.length !== 1) throw new InputError(['validate takes exactly one FILE'], 'bad command line');
  const file = positionals[0];
  const s = validateScenarioFile(file);
  io.out(
    `${file}: valid (${s.name}, ${s.durationS}s, protocol ${s.dns.protocol}, ${s.dns.enactors} enactors${s.clients ? `, ${s.clients.count} clients` : ''})`,
  );
  return ExitCode.ok;
}
