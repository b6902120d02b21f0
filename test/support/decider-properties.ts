/**
 * The property every stream decider must have: whatever commands arrive, by
 * whomever, with time going forward and sometimes back, folding the accepted
 * events twice gives the same state as deciding them did, and the history
 * re-check finds nothing wrong with them.
 */
import fc from 'fast-check'
import { isLeft } from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import { type IsoInstant, instantMs, toInstant } from '../../src/domain/codec.js'
import type { Decider } from '../../src/domain/decider.js'
import type { Fact } from '../../src/domain/envelope.js'
import type { DomainEvent } from '../../src/domain/events.js'
import type { OrganizationView } from '../../src/domain/organization-view.js'
import type { Actor } from '../../src/domain/vocabulary.js'
import { contextAt, NOW, orgView } from './org-events.js'

/** Runs the property (200 runs) and returns how many events of each type were accepted. */
export const acceptedHistoriesFoldAndCheck = <C, E extends DomainEvent, S>(args: {
  readonly decider: Decider<C, E, S>
  readonly check: (
    facts: readonly Fact<E>[],
    orgAt: (at: IsoInstant) => OrganizationView,
  ) => readonly unknown[]
  readonly command: fc.Arbitrary<C>
  readonly actors: readonly Actor[]
}): Readonly<Record<string, number>> => {
  const { decider } = args
  const organization = orgView()
  const arbStep = fc.record({
    command: args.command,
    actor: fc.constantFrom(...args.actors),
    minutes: fc.oneof(
      { arbitrary: fc.nat(600), weight: 9 },
      { arbitrary: fc.integer({ min: -60, max: -1 }), weight: 1 },
    ),
  })
  const accepted: Record<string, number> = {}
  fc.assert(
    fc.property(fc.array(arbStep, { minLength: 5, maxLength: 40 }), (steps) => {
      let s = decider.initialState
      let t = instantMs(NOW)
      const facts: Fact<E>[] = []
      for (const { command, actor, minutes: m } of steps) {
        t += m * 60_000
        const now = toInstant(t)
        const r = decider.decide(command, s, contextAt(actor, now, organization))
        if (isLeft(r)) continue
        for (const e of r.right) {
          const f = { ...e, at: now, actor: e.actor ?? actor } as Fact<E>
          facts.push(f)
          accepted[f.type] = (accepted[f.type] ?? 0) + 1
          s = decider.evolve(s, f)
        }
      }
      const once = facts.reduce(decider.evolve, decider.initialState)
      const twice = facts.reduce(decider.evolve, decider.initialState)
      expect(twice).toEqual(once)
      expect(once).toEqual(s)
      expect(args.check(facts, () => organization)).toEqual([])
    }),
    { numRuns: 200 },
  )
  return accepted
}
