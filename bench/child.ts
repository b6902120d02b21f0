/**
 * One bench task in its own process, compiled by `buildChildren` (bench/lib.ts): `node --expose-gc
 * node_modules/.cache/soutien-bench/bench/child.js <task> '<json args>'`. Prints its result as one line.
 */
import { RESULT_PREFIX } from './lib.js'
import { calendarBench, commandBench, floorAndReplay, replayMemory, simulationBench } from './tasks.js'

const tasks: Record<string, (args: never) => unknown> = {
  floorAndReplay,
  replayMemory,
  commands: commandBench,
  calendar: calendarBench,
  simulation: simulationBench,
}

const [name, json] = process.argv.slice(2)
const task = name === undefined ? undefined : tasks[name]
if (task === undefined) {
  console.error(`usage: bench/child.ts <${Object.keys(tasks).join('|')}> '<json args>'`)
  process.exit(2)
}
const result = await task(JSON.parse(json ?? '{}') as never)
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
