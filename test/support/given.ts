/**
 * Decider specifications that read like the rules they check:
 *
 *   given(ticketDecider, [opened, qualified]).when(assign('agent-3'), ctx).then([assigned])
 *   given(ticketDecider, [opened]).when(close(), ctx).thenRejects('TicketNotResolved')
 *
 * `given` events are facts (type, data, at, actor); `then` compares the events
 * the decider emits (type and data, plus `actor` when the decider overrides it).
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import type { Context, Decided, Decider, DomainError } from '../../src/domain/decider.js'
import type { Fact } from '../../src/domain/envelope.js'
import type { DomainEvent } from '../../src/domain/events.js'

export interface Spec<C, E extends DomainEvent, S> {
  readonly when: (
    command: C,
    ctx: Context,
  ) => {
    readonly then: (expected: readonly Decided<E>[]) => readonly Decided<E>[]
    readonly thenRejects: (tag: string) => DomainError
    readonly state: S
  }
}

export const given = <C, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  history: readonly Fact<E>[],
): Spec<C, E, S> => ({
  when: (command, ctx) => {
    let state = decider.initialState
    for (const e of history) state = decider.evolve(state, e)
    const result = decider.decide(command, state, ctx)
    return {
      state,
      then: (expected) => {
        if (isLeft(result))
          throw new Error(
            `expected events, but the command was refused: ${result.left._tag}: ${result.left.message}`,
          )
        expect(result.right).toEqual(expected)
        return result.right
      },
      thenRejects: (tag) => {
        if (!isLeft(result))
          throw new Error(`expected a refusal ${tag}, but got events: ${JSON.stringify(result.right)}`)
        expect(result.left._tag).toBe(tag)
        expect(result.left.message.length).toBeGreaterThan(10)
        return result.left
      },
    }
  },
})
