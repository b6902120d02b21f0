/** The list of `soutien` commands, in the order `--help` shows them. */
import { exportCommand, importCommand } from './commands/interchange.js'
import { simulateCommand } from './commands/simulate.js'
import type { CliCommand } from './io.js'

export const commands: readonly CliCommand[] = [simulateCommand, exportCommand, importCommand]
