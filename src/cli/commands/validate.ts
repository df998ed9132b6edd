/** `cascadesim validate`: check a scenario file without running it. */
import { readFileSync } from 'node:fs';
import { parseScenarioText, validateScenario } from '../../config/load.ts';
import { ExitCode, InputError } from '../../errors.ts';
import { type Out, parse } from '../common.ts';

export function cmdValidate(argv: string[], io: Out): number {
  const { positionals } = parse(argv, {});
  if (positionals.length !== 1) throw new InputError(['validate takes exactly one FILE'], 'bad command line');
  const file = positionals[0];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError([`${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`], 'cannot read scenario');
  }
  const s = validateScenario(parseScenarioText(text, file), `scenario ${file}`);
  io.out(`${file}: valid (${s.name}, ${s.durationS}s, protocol ${s.dns.protocol}, ${s.dns.enactors} enactors${s.clients ? `, ${s.clients.count} clients` : ''})`);
  return ExitCode.ok;
}

