/** The list of `soutien` commands, in the order `--help` shows them. */
import { forgetCommand } from './commands/forget.js'
import { exportCommand, importCommand } from './commands/interchange.js'
import { reportCommand } from './commands/report.js'
import { simulateCommand } from './commands/simulate.js'
import { slaCommand } from './commands/sla.js'
import { traceCommand } from './commands/trace.js'
import { verifyCommand } from './commands/verify.js'
import { whatIfCommand } from './commands/what-if.js'
import type { CliCommand } from './io.js'

export const commands: readonly CliCommand[] = [
  simulateCommand,
  reportCommand,
  slaCommand,
  traceCommand,
  whatIfCommand,
  verifyCommand,
  exportCommand,
  importCommand,
  forgetCommand,
]
