/**
 * One fast-check seed for the whole run, so `npm test` is reproducible: a
 * failure in CI replays identically on a laptop. `FC_SEED=<n> npm test`
 * replays another seed; `npm run test:stress` draws a fresh one (printed) and
 * runs more cases.
 */
import { randomInt } from 'node:crypto'
import fc from 'fast-check'

const stress = process.env.SOUTIEN_STRESS === '1'
const fromEnv = process.env.FC_SEED
const seed =
  fromEnv !== undefined && /^-?\d+$/.test(fromEnv) ? Number(fromEnv) : stress ? randomInt(2 ** 31) : 20261128
if (stress) console.log(`fast-check seed ${seed} (replay with FC_SEED=${seed})`)
fc.configureGlobal({ seed, ...(stress ? { numRuns: 1000 } : {}) })
