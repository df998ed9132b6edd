/** Entry point of the `cascadesim` command. */
import { main } from './cli/main.ts';

const code = await main(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
});
process.exitCode = code;
