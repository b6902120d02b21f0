/** Process entry: run `main` with the real streams and exit with its code. */
import { main } from './main.js'

// A closed pipe on stdout (`soutien sla … | head`) ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
})

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
})
// Set the code rather than exit, so stdout drains first (pipes).
process.exitCode = code
