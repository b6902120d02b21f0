/** Process entry: run `main` with the real streams and exit with its code. */
import { main } from './main.js'

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
})
// Let stdout drain before exiting (pipes).
process.exitCode = code
