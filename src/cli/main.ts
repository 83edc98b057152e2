/** The commander program: one file per command under ./commands; usage errors exit 2. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT } from './exit-codes.js';
import { reportError } from './run-command.js';
import { registerCheck } from './commands/check.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerDemo } from './commands/demo.js';
import { registerClone } from './commands/clone.js';
import { registerRisks } from './commands/risks.js';
import { registerHistory } from './commands/history.js';
import { registerReport } from './commands/report.js';
import { registerDiff } from './commands/diff.js';
import { registerRepair } from './commands/repair.js';
import { registerPreflight } from './commands/preflight.js';
import { registerTopology } from './commands/topology.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** A usage error is one line (the contract), with the pointer to --help on the same line. */
function oneLineError(str: string, write: (s: string) => void): void {
  write(`${str.split('\n')[0]!.replace(/^error: /, 'syncpoint: ')} (run with --help for usage)\n`);
}

export function buildProgram(): Command {
  const program = new Command('syncpoint')
    .description('Prove a primary and its replicas hold the same data, find where they do not, and rebuild replicas safely.')
    .version(version())
    .exitOverride()
    .configureOutput({ outputError: oneLineError });
  registerCheck(program);
  registerSandbox(program);
  registerDemo(program);
  registerClone(program);
  registerRisks(program);
  registerHistory(program);
  registerReport(program);
  registerDiff(program);
  registerRepair(program);
  registerPreflight(program);
  registerTopology(program);
  // Subcommands inherit the error handling of the program.
  for (const c of program.commands) c.exitOverride().configureOutput({ outputError: oneLineError });
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    reportError(err, 'warn');
    process.exitCode = EXIT.USAGE;
  }
}
