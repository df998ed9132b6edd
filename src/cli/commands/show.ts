/** `cascadesim show`: the scenario exactly as it would run, defaults filled in. */
import { loadScenario, scenarioToYaml } from '../../api.ts';
import { ExitCode, InputError } from '../../errors.ts';
import { type Out, parse } from '../common.ts';

export function cmdShow(argv: string[], io: Out): number {
  const { values, positionals } = parse(argv, { set: { type: 'string', multiple: true }, json: { type: 'boolean' } });
  if (positionals.length > 1) throw new InputError([`show takes one scenario, got ${positionals.length}`], 'bad command line');
  const scenario = loadScenario(positionals[0], { set: (values.set as string[] | undefined) ?? [] });
  io.out(values.json ? JSON.stringify(scenario, null, 2) : scenarioToYaml(scenario).trimEnd());
  return ExitCode.ok;
}
