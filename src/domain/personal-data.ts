/**
 * Which fields of which events are personal data, and whose (the data
 * subject): the table that crypto-shredding (src/store/protected.ts) encrypts
 * per subject, and that docs/privacy.md explains field by field.
 *
 * The rule of thumb: names of people, and free text that tells a person's
 * story. Everything a service level, a report or a trace computes with (ids,
 * codes, kinds, times, scores, domains) stays in clear, so that forgetting a
 * person leaves every figure unchanged.
 */
import type { EventType } from './events.js'

/** What a value reads as once its subject's key is destroyed. */
export const ERASED = '[erased]'

export type SubjectKind = 'user' | 'agent'

/** The person a personal field is about. */
export interface DataSubject {
  readonly kind: SubjectKind
  readonly id: string
}

/**
 * Whose a field is: the person the event's own `userId` or `agentId` names, or
 * the requester of the ticket the event belongs to.
 */
export type SubjectOf = 'userId' | 'agentId' | 'requester'

export interface PersonalField {
  readonly field: string
  readonly subject: SubjectOf
  /** Why it is personal (docs/privacy.md repeats it). */
  readonly why: string
}

const requesterText = (field: string, what: string): PersonalField => ({
  field,
  subject: 'requester',
  why: `${what}: free text about the requester's problem, in the requester's or an agent's words`,
})

/**
 * The personal fields of each event type (types not listed have none). Every
 * field listed is a string in its codec, so its encrypted form and `[erased]`
 * are valid values of it.
 */
export const personalFields: Readonly<Partial<Record<EventType, readonly PersonalField[]>>> = {
  UserRegistered: [{ field: 'name', subject: 'userId', why: "the user's name" }],
  AgentEnrolled: [{ field: 'name', subject: 'agentId', why: "the agent's name" }],
  TicketOpened: [requesterText('summary', 'what the user reported')],
  TicketQualified: [requesterText('diagnosis', "the agent's diagnosis")],
  UserInformed: [requesterText('message', 'what the user was told')],
  TicketEscalated: [requesterText('note', 'the note for the expert')],
  ExpertAdviceGiven: [requesterText('advice', "the expert's advice")],
  HierarchyInvolved: [requesterText('note', 'the note for management')],
  TicketResolved: [requesterText('solution', 'how the problem was solved')],
  TicketReopened: [requesterText('reason', 'why the user came back')],
  SatisfactionRecorded: [requesterText('comment', "the user's comment")],
}

export const personalFieldsOf = (type: string): readonly PersonalField[] =>
  Object.hasOwn(personalFields, type) ? (personalFields[type as EventType] ?? []) : []

/** The key-store name of a subject: `user:<id>` or `agent:<id>`. */
export const subjectKey = (s: DataSubject): string => `${s.kind}:${s.id}`

export const parseSubjectKey = (key: string): DataSubject | undefined => {
  const i = key.indexOf(':')
  const kind = key.slice(0, i)
  return i > 0 && (kind === 'user' || kind === 'agent') ? { kind, id: key.slice(i + 1) } : undefined
}

const asRecord = (data: unknown): Readonly<Record<string, unknown>> | undefined =>
  typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined

/**
 * The subject of `field` of an event with `data`; `requester` is the ticket's
 * requester (from its `TicketOpened`), needed for the ticket's free text.
 */
export const subjectOfField = (
  f: PersonalField,
  data: unknown,
  requester: string | undefined,
): DataSubject | undefined => {
  const d = asRecord(data)
  switch (f.subject) {
    case 'userId':
      return typeof d?.userId === 'string' ? { kind: 'user', id: d.userId } : undefined
    case 'agentId':
      return typeof d?.agentId === 'string' ? { kind: 'agent', id: d.agentId } : undefined
    case 'requester':
      return requester === undefined ? undefined : { kind: 'user', id: requester }
  }
}

/** True when some personal field of this event type needs the ticket's requester. */
export const needsRequester = (type: string): boolean =>
  personalFieldsOf(type).some((f) => f.subject === 'requester')

/**
 * `data` with each present personal string field replaced by `replace`'s
 * answer (the same object when nothing changes). Pure and synchronous: the
 * caller has fetched what `replace` needs (keys, subjects) beforehand.
 */
export const mapPersonalFields = (
  type: string,
  data: unknown,
  replace: (value: string, field: PersonalField) => string,
): unknown => {
  const d = asRecord(data)
  if (d === undefined) return data
  let out: Record<string, unknown> | undefined
  for (const f of personalFieldsOf(type)) {
    const v = d[f.field]
    if (typeof v !== 'string') continue
    const r = replace(v, f)
    if (r === v) continue
    out ??= { ...d }
    out[f.field] = r
  }
  return out ?? data
}
