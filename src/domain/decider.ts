/**
 * The decider pattern (Emmett, Equinox): `decide` turns a command and the
 * current state into events or a refusal, `evolve` folds events into state.
 * Both are pure; everything from outside comes in through `Context`.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import type { IsoInstant } from './codec.js'
import type { Fact } from './envelope.js'
import type { DomainEvent } from './events.js'
import type { OrganizationView } from './organization-view.js'
import type { Actor } from './vocabulary.js'

/** What a decision needs from outside: never read a clock or make randomness inside. */
export interface Context {
  /** The instant the command takes effect (the events' `at`). */
  readonly now: IsoInstant
  /** Who asks. */
  readonly actor: Actor
  /** The organisation as it stands now (`organization` stream folded). */
  readonly organization: OrganizationView
  /** A fresh unique id (injected generator). */
  readonly newId: () => string
}

/**
 * A refused command, as a value. `_tag` names the broken rule (a stable,
 * machine-readable code such as `TicketNotResolved`); `message` is written for a
 * support manager ("ticket T-42 cannot be closed: the user has not been told how
 * it was restored").
 */
export interface DomainError {
  readonly _tag: string
  readonly message: string
}
export const domainError = (tag: string, message: string): DomainError => ({ _tag: tag, message })

/** An event a decider emits; `actor` overrides the command's actor (e.g. `system` alerts). */
export type Decided<E extends DomainEvent = DomainEvent> = E & { readonly actor?: Actor }

export interface Decider<C, E extends DomainEvent, S> {
  readonly initialState: S
  readonly evolve: (state: S, event: Fact<E>) => S
  readonly decide: (command: C, state: S, ctx: Context) => Either<DomainError, readonly Decided<E>[]>
}

/** Fold facts from the initial state. */
export const fold = <C, E extends DomainEvent, S>(d: Decider<C, E, S>, events: Iterable<Fact<E>>): S => {
  let s = d.initialState
  for (const e of events) s = d.evolve(s, e)
  return s
}
