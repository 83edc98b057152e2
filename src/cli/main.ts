/** The commander program: one file per command under ./commands; usage errors exit 2. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT } from './exit-codes.js';

type Register = (program: Command) => void;

/**
 * Command modules by command word, loaded on demand: each pulls in its own pipeline, drivers and
 * parsers, and loading all of them cost every run ~0.5 s of start-up (node-sql-parser for risks,
 * pg, clone and report code...). In --help order; check.js registers check and counts.
 */
const COMMANDS: readonly (readonly [readonly string[], () => Promise<Register>])[] = [
  [['check', 'counts'], async () => (await import('./commands/check.js')).registerCheck],
  [['sandbox'], async () => (await import('./commands/sandbox.js')).registerSandbox],
  [['demo'], async () => (await import('./commands/demo.js')).registerDemo],
  [['clone'], async () => (await import('./commands/clone.js')).registerClone],
  [['risks'], async () => (await import('./commands/risks.js')).registerRisks],
  [['history'], async () => (await import('./commands/history.js')).registerHistory],
  [['report'], async () => (await import('./commands/report.js')).registerReport],
  [['diff'], async () => (await import('./commands/diff.js')).registerDiff],
  [['repair'], async () => (await import('./commands/repair.js')).registerRepair],
  [['preflight'], async () => (await import('./commands/preflight.js')).registerPreflight],
  [['topology'], async () => (await import('./commands/topology.js')).registerTopology],
];

/**
 * The modules a command line needs: only its command's when it starts with a command word, none
 * for --version, all otherwise (help, no arguments, an unknown word: commander lists or suggests
 * from every command, so those see exactly what they saw when everything loaded eagerly).
 */
function modulesFor(args: readonly string[]): readonly (() => Promise<Register>)[] {
  const first = args[0];
  if (first === '--version' || first === '-V') return [];
  const named = COMMANDS.find(([words]) => first !== undefined && words.includes(first));
  return named ? [named[1]] : COMMANDS.map(([, load]) => load);
}

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

/** `args`: the command line without node and the script (process.argv.slice(2)). */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('syncpoint')
    .description('Prove a primary and its replicas hold the same data, find where they do not, and rebuild replicas safely.')
    .version(version())
    .exitOverride()
    .configureOutput({ outputError: oneLineError });
  const registers = await Promise.all(modulesFor(args).map((load) => load()));
  for (const register of registers) register(program);
  // Subcommands inherit the error handling of the program.
  for (const c of program.commands) c.exitOverride().configureOutput({ outputError: oneLineError });
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = await buildProgram(argv.slice(2));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are not errors
      process.exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    // Loaded here, not up front: it brings the logger (pino, pino-pretty), which --version does not need.
    const { reportError } = await import('./run-command.js');
    reportError(err, 'warn');
    process.exitCode = EXIT.USAGE;
  }
}
