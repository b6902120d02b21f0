#!/usr/bin/env node
// The `soutien` executable: runs the compiled CLI (built by `npm install` through
// the `prepare` script, or `npm run build`).
import { existsSync } from 'node:fs'

const entry = new URL('../dist/src/cli/run.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write(
    "soutien: the CLI is not built yet. Run 'npm run build' (npm install does it) and try again.\n",
  )
  process.exit(1)
}
await import(entry.href)
