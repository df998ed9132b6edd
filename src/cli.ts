/** Entry point of the `cascadesim` command. */
import { writeSync } from 'node:fs';
import { main } from './cli/main.ts';

// Failing to write stdout or stderr is the end of the command, never a stack trace. A reader that goes away
// (`cascadesim report r --csv - | head -1`) is not an error of ours: stop quietly. Anything else (`> /dev/full`, a
// full disk behind a redirection) is an I/O failure: one line on stderr when stderr still works, exit code 1.
for (const [name, stream] of [
  ['stdout', process.stdout],
  ['stderr', process.stderr],
] as const) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (name === 'stdout') {
      try {
        writeSync(2, `cascadesim: cannot write to stdout (${err.code ?? err.message})\n`);
      } catch {
        // stderr is gone too: the exit code is all that is left.
      }
    }
    process.exit(1);
  });
}

const code = await main(process.argv.slice(2), {
  out: (s) => process.stdout.write(`${s}\n`),
  err: (s) => process.stderr.write(`${s}\n`),
});
process.exitCode = code;
