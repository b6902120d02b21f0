/**
 * The `soutien` command: analysts replay a history, auditors trace a ticket.
 * Every failure is one clear line on stderr and an exit code (0 ok, 1 data,
 * 2 usage); never a stack trace.
 */
import { CliError, EXIT_DATA, EXIT_OK, EXIT_USAGE } from './errors.js'
import type { CliCommand, CliIO } from './io.js'
import { commands } from './registry.js'

const VERSION = '0.1.0'

const overview = (): string =>
  [
    'soutien — replay, report on and audit the history of an IT user-support chain',
    '',
    'Usage: soutien <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    "Every command reads a history file (NDJSON, '-' for stdin) or a store",
    '(--store ./helpdesk.db for SQLite, --store esdb://host:2113?tls=false for EventStoreDB).',
    "Run 'soutien <command> --help' for its options. Exit codes: 0 ok, 1 data problem, 2 usage error.",
    '',
  ].join('\n')

export const main = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(overview())
    return name === undefined ? EXIT_USAGE : EXIT_OK
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`)
    return EXIT_OK
  }
  const command: CliCommand | undefined = commands.find((c) => c.name === name)
  if (command === undefined) {
    io.stderr.write(`soutien: unknown command "${name}". Run 'soutien --help' to list the commands.\n`)
    return EXIT_USAGE
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help.trimEnd()}\n`)
    return EXIT_OK
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    if (err instanceof CliError) {
      // Commands often name themselves in their messages: say it once.
      const message = err.message.startsWith(`${name}: `) ? err.message.slice(name.length + 2) : err.message
      io.stderr.write(`soutien ${name}: ${message}\n`)
      return err.exitCode
    }
    // The reader went away (`soutien … | head`): nothing more to say.
    if ((err as { code?: string } | null)?.code === 'EPIPE') return EXIT_OK
    // Not a known failure: still one line, no stack trace, and a hint to report it.
    const msg = err instanceof Error ? err.message : String(err)
    io.stderr.write(
      `soutien ${name}: unexpected failure: ${msg.split('\n')[0]} (please report this with the command you ran)\n`,
    )
    return EXIT_DATA
  }
}

export { EXIT_USAGE }
