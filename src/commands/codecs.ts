/**
 * io-ts codecs for every command of src/domain/commands.ts: what a host hands
 * in as `unknown` (a JSON body, a CLI argument) is decoded here, once, before
 * the handler trusts it. Unknown fields are refused (a typo such as `sumary`
 * must not be silently dropped), every string is bounded (a 50 MB summary is an
 * attack, not a ticket), and each problem names its field path and the
 * offending value.
 */
import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {
  type DecodeProblem,
  Duration,
  IsoInstant,
  intBetween,
  LocalDate,
  partialRecord,
  problemsOf,
  strict,
} from '../domain/codec.js'
import type { Command, CommandType } from '../domain/commands.js'
import {
  BulletinKind,
  EscalationReason,
  HierarchyReason,
  QualityThresholds,
  SuspensionReason,
  UserInformedKind,
  WeeklyHours,
} from '../domain/events.js'
import { isValidTimeZone } from '../domain/organization.js'
import { AgentRole, Channel, Priority, SupportDomain, TicketKind } from '../domain/vocabulary.js'

// ---- bounded building blocks -----------------------------------------------

/** Limits on free input; generous for people, tight enough to refuse abuse. */
export const LIMITS = {
  identifier: 128,
  name: 200,
  text: 4_000,
  body: 100_000,
  list: 1_000,
} as const

// Short type names for the catalogue in docs/commands.md (codec names are
// written for error messages, which say more).
const docNames = new Map<unknown, string>()
const documented = <C>(codec: C, docName: string): C => {
  docNames.set(codec, docName)
  return codec
}
const docNameOf = (c: t.Mixed): string => {
  const known = docNames.get(c)
  if (known !== undefined) return known
  if (c instanceof t.KeyofType)
    return Object.keys(c.keys)
      .map((k) => `\`${k}\``)
      .join(' \\| ')
  return c.name
}

const refinedString = (name: string, ok: (s: string) => boolean) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && ok(u),
    (u, c) => (typeof u === 'string' && ok(u) ? t.success(u) : t.failure(u, c)),
    (a) => a,
  )

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/

/**
 * An identifier chosen by the host (ticket, user, site, agent ids…): it becomes
 * part of a stream name (`ticket-<id>`), so no spaces, slashes or control
 * characters, and it starts with a letter or digit.
 */
export const Identifier = documented(
  refinedString(
    `identifier (letters, digits, . _ : @ -; ≤ ${LIMITS.identifier})`,
    (s) => s.length <= LIMITS.identifier && ID_PATTERN.test(s),
  ),
  'identifier',
)

const nonBlank = (max: number, what: string) =>
  documented(
    refinedString(`${what} (non-blank, ≤ ${max} characters)`, (s) => s.length <= max && s.trim().length > 0),
    `${what} (≤ ${max})`,
  )

/** A name, label, title or contact number. */
export const ShortText = nonBlank(LIMITS.name, 'short text')
/** A summary, message, reason, advice or solution. */
export const Text = nonBlank(LIMITS.text, 'text')
/** An optional note, diagnosis or comment (may be empty). */
export const Note = documented(
  refinedString(`note (≤ ${LIMITS.text} characters)`, (s) => s.length <= LIMITS.text),
  `text, may be empty (≤ ${LIMITS.text})`,
)
/** A knowledge article body. */
export const Body = nonBlank(LIMITS.body, 'long text')

/** An IANA time zone (`Europe/Paris`, `America/Montreal`, `UTC`), as the organisation decider checks it. */
export const TimeZone = documented(
  refinedString('IANA time zone (e.g. "Europe/Paris")', (s) => s.length <= 64 && isValidTimeZone(s)),
  'IANA time zone',
)

/** A list of at most `LIMITS.list` items. */
export const boundedList = <C extends t.Mixed>(item: C) => {
  const arr = t.array(item)
  return documented(
    new t.Type<t.TypeOf<C>[], t.OutputOf<C>[], unknown>(
      `list of ${item.name} (≤ ${LIMITS.list})`,
      (u): u is t.TypeOf<C>[] => arr.is(u) && u.length <= LIMITS.list,
      (u, c) => {
        if (Array.isArray(u) && u.length > LIMITS.list)
          return t.failure(u, c, `too many items: ${u.length} (at most ${LIMITS.list})`)
        return arr.validate(u, c)
      },
      arr.encode,
    ),
    `list of ${docNameOf(item)}`,
  )
}

/**
 * The same enumeration, named by its values, so that a refusal says
 * `expected "phone" | "email" | "portal" | "walk-in", got "fax"`.
 */
const oneOf = <D extends Record<string, unknown>>(k: t.KeyofC<D>): t.KeyofC<D> =>
  t.keyof(
    k.keys,
    Object.keys(k.keys)
      .map((v) => JSON.stringify(v))
      .join(' | '),
  )

const Ids = documented(boundedList(Identifier), 'list of identifiers')
const Score = documented(intBetween(1, 5, 'score, an integer 1..5'), 'integer 1–5')
documented(IsoInstant, 'instant (ISO 8601 UTC with ms)')
documented(Duration, 'duration `PTnHnM`')
documented(LocalDate, '`YYYY-MM-DD`')
documented(WeeklyHours, '{`mon`…`sun`: list of `["HH:MM","HH:MM"]`}')
documented(QualityThresholds, '{`excellent`, `good`, `fair`: {`responseCompliance`, `satisfactionMean`?}}')

const Role = oneOf(AgentRole)
const Domain = oneOf(SupportDomain)
const Kind = oneOf(TicketKind)
const Prio = oneOf(Priority)
const Chan = oneOf(Channel)
const InformKind = oneOf(UserInformedKind)
const Escalation = oneOf(EscalationReason)
const Hierarchy = oneOf(HierarchyReason)
const Suspension = oneOf(SuspensionReason)
const Bulletin = oneOf(BulletinKind)

const byDomain = documented(partialRecord(Domain, Duration), '{domain: duration}, each optional')
const byPriority = documented(partialRecord(Prio, Duration), '{priority: duration}, each optional')

// ---- one codec per command ---------------------------------------------------

/** A command codec with its field lists kept, so docs/commands.md can be generated from them. */
export interface CommandSpec<K extends string, R extends t.Props, O extends t.Props> {
  readonly type: K
  readonly required: R
  readonly optional: O
  readonly codec: t.Type<
    { readonly type: K } & t.TypeOf<t.TypeC<R>> & Partial<t.TypeOf<t.TypeC<O>>>,
    unknown,
    unknown
  >
}

// Overloads rather than a defaulted type parameter: inferred from the `satisfies`
// context below, a defaulted `O` widened to `t.Props` and gave the output type
// an `any` index signature.
function command<K extends string, R extends t.Props>(
  type: K,
  required: R,
): CommandSpec<K, R, Record<never, never>>
function command<K extends string, R extends t.Props, O extends t.Props>(
  type: K,
  required: R,
  optional: O,
): CommandSpec<K, R, O>
function command(
  type: string,
  required: t.Props,
  optional: t.Props = {},
): CommandSpec<string, t.Props, t.Props> {
  return {
    type,
    required,
    optional,
    codec: strict({ type: t.literal(type), ...required }, optional, type) as never,
  }
}

/** Refine a command codec with a cross-field rule, reported at `path`. */
const refine = <K extends string, R extends t.Props, O extends t.Props>(
  spec: CommandSpec<K, R, O>,
  rule: (
    c: t.TypeOf<CommandSpec<K, R, O>['codec']>,
  ) => { path: string; expected: t.Decoder<unknown, unknown>; message: string } | undefined,
): CommandSpec<K, R, O> => {
  const base = spec.codec
  return {
    ...spec,
    codec: new t.Type(
      base.name,
      (u): u is t.TypeOf<typeof base> => base.is(u) && rule(u) === undefined,
      (u, c) => {
        const r = base.validate(u, c)
        if (isLeft(r)) return r
        const broken = rule(r.right)
        if (broken === undefined) return r
        const v = (r.right as Record<string, unknown>)[broken.path]
        return t.failures([
          {
            value: v,
            context: [...c, { key: broken.path, type: broken.expected, actual: v }],
            message: broken.message,
          },
        ])
      },
      base.encode,
    ),
  }
}

export const commandSpecs = {
  // organization
  RegisterSite: command('RegisterSite', { siteId: Identifier, name: ShortText, timeZone: TimeZone }),
  SetSupportHours: command('SetSupportHours', {
    siteId: Identifier,
    weekly: WeeklyHours,
    holidays: boundedList(LocalDate),
  }),
  RegisterDesk: command('RegisterDesk', {
    deskId: Identifier,
    name: ShortText,
    contact: ShortText,
    siteIds: Ids,
  }),
  DefineWorkstationType: command('DefineWorkstationType', { workstationType: Identifier, label: ShortText }),
  RegisterUser: command('RegisterUser', {
    userId: Identifier,
    name: ShortText,
    siteId: Identifier,
    workstationType: Identifier,
    deskId: Identifier,
  }),
  DesignateUserEntryPoint: command('DesignateUserEntryPoint', { userId: Identifier, deskId: Identifier }),
  EnrollAgent: command(
    'EnrollAgent',
    { agentId: Identifier, name: ShortText, role: Role, siteIds: Ids, workstationTypes: Ids },
    { deskId: Identifier, domains: boundedList(Domain) },
  ),
  RetireAgent: command('RetireAgent', { agentId: Identifier }),
  SetSupportPolicy: command(
    'SetSupportPolicy',
    {
      escalationDelays: byDomain,
      resolutionTargets: byPriority,
    },
    { responseTarget: Duration, majorIncidentBulletinTarget: Duration, qualityThresholds: QualityThresholds },
  ),
  // ticket
  OpenTicket: command(
    'OpenTicket',
    { ticketId: Identifier, requesterId: Identifier, channel: Chan, summary: Text },
    { siteId: Identifier, workstationType: Identifier },
  ),
  QualifyTicket: command(
    'QualifyTicket',
    { ticketId: Identifier, kind: Kind, domain: Domain, priority: Prio },
    { diagnosis: Note },
  ),
  AssignTicket: command('AssignTicket', { ticketId: Identifier, ownerId: Identifier }),
  InformUser: refine(
    command(
      'InformUser',
      { ticketId: Identifier, kind: InformKind, message: Text },
      { expectedResolutionAt: IsoInstant },
    ),
    (c) =>
      c.kind === 'schedule' && c.expectedResolutionAt === undefined
        ? {
            path: 'expectedResolutionAt',
            expected: IsoInstant,
            message: 'missing required field: a schedule must say when resolution is expected (IsoInstant)',
          }
        : undefined,
  ),
  EscalateTicket: command(
    'EscalateTicket',
    { ticketId: Identifier, reason: Escalation },
    { domain: Domain, note: Note },
  ),
  GiveExpertAdvice: command('GiveExpertAdvice', { ticketId: Identifier, advice: Text }),
  InvolveHierarchy: command('InvolveHierarchy', { ticketId: Identifier, reason: Hierarchy }, { note: Note }),
  SuspendTicket: command('SuspendTicket', { ticketId: Identifier, reason: Suspension }),
  ResumeTicket: command('ResumeTicket', { ticketId: Identifier }),
  ResolveTicket: command(
    'ResolveTicket',
    { ticketId: Identifier, resolutionCode: ShortText, solution: Text },
    { knowledgeArticleId: Identifier },
  ),
  ReopenTicket: command('ReopenTicket', { ticketId: Identifier, reason: Text }),
  CloseTicket: command('CloseTicket', { ticketId: Identifier }),
  RecordSatisfaction: command(
    'RecordSatisfaction',
    { ticketId: Identifier, score: Score },
    { comment: Note },
  ),
  LinkTicketToMajorIncident: command('LinkTicketToMajorIncident', {
    ticketId: Identifier,
    incidentId: Identifier,
  }),
  // major incident
  DeclareMajorIncident: command('DeclareMajorIncident', {
    incidentId: Identifier,
    summary: Text,
    siteIds: Ids,
    services: boundedList(ShortText),
  }),
  PublishIncidentBulletin: command('PublishIncidentBulletin', {
    incidentId: Identifier,
    kind: Bulletin,
    message: Text,
    siteIds: Ids,
  }),
  ResolveMajorIncident: command('ResolveMajorIncident', { incidentId: Identifier, summary: Text }),
  // knowledge
  PublishKnowledgeArticle: command('PublishKnowledgeArticle', {
    articleId: Identifier,
    title: ShortText,
    domain: Domain,
    workstationTypes: Ids,
    body: Body,
  }),
  ReviseKnowledgeArticle: command('ReviseKnowledgeArticle', { articleId: Identifier, body: Body }),
} satisfies {
  // Compile-time check: one codec per command type, each decoding to (a subtype
  // of) the matching member of `Command`.
  readonly [K in CommandType]: { readonly codec: t.Decoder<unknown, Extract<Command, { type: K }>> }
}

// Compile-time check the other way: every field of a command type (optional
// ones included) has a codec, so no field can be forgotten by the decoder.
type Specs = typeof commandSpecs
type FieldsOf<K extends CommandType> = keyof t.TypeOf<Specs[K]['codec']>
type MissingFields = {
  [K in CommandType]: Exclude<keyof Extract<Command, { type: K }>, FieldsOf<K>>
}[CommandType]
const noMissingFields: [MissingFields] extends [never] ? true : MissingFields = true
void noMissingFields

export type CommandCodecs = { readonly [K in CommandType]: t.Decoder<unknown, Extract<Command, { type: K }>> }
export const commandCodecs: CommandCodecs = Object.fromEntries(
  Object.entries(commandSpecs).map(([k, s]) => [k, s.codec]),
) as unknown as CommandCodecs
export const COMMAND_TYPES = Object.keys(commandSpecs) as CommandType[]

// A Map, not a plain object: `type: "__proto__"` or `"toString"` must not find anything.
const byType: ReadonlyMap<string, t.Decoder<unknown, Command>> = new Map(
  Object.entries(commandCodecs) as [string, t.Decoder<unknown, Command>][],
)

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u)

/**
 * Any command: the `type` field picks the codec (a map lookup; a `t.union` of
 * 28 members would try them all and report 28 sets of errors).
 */
export const CommandInput = new t.Type<Command, Command, unknown>(
  'Command',
  (u): u is Command => {
    if (!isRecord(u) || typeof u.type !== 'string') return false
    const codec = byType.get(u.type)
    return codec !== undefined && !isLeft(codec.decode(u))
  },
  (u, c) => {
    if (!isRecord(u)) return t.failure(u, c, 'expected a command object with a "type" field')
    const type = Object.hasOwn(u, 'type') ? u.type : undefined
    const codec = typeof type === 'string' ? byType.get(type) : undefined
    if (codec === undefined)
      return t.failures([
        {
          value: type,
          context: [...c, { key: 'type', type: t.string, actual: type }],
          message:
            type === undefined
              ? 'missing required field "type" (the command name, e.g. "OpenTicket")'
              : `unknown command type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 60)) : typeof type}; expected one of ${COMMAND_TYPES.join(', ')}`,
        },
      ])
    return codec.validate(u, c)
  },
  (a) => a,
)

/** Decode a command from untrusted input; never throws. */
export const decodeCommand = (u: unknown): Either<DecodeProblem[], Command> => {
  try {
    const r = CommandInput.decode(u)
    return isLeft(r) ? left(problemsOf(r.left)) : right(r.right)
  } catch (err) {
    // Not data: a host object whose getter or proxy trap throws while it is read.
    return left([
      {
        path: '(root)',
        expected: 'plain data (as JSON.parse gives)',
        actual: '(unreadable)',
        message: `the input could not be read: ${describeThrown(err)}`,
      },
    ])
  }
}

const describeThrown = (err: unknown): string => {
  try {
    return err instanceof Error ? err.message : String(err)
  } catch {
    return Object.prototype.toString.call(err)
  }
}

// ---- field descriptions, for docs/commands.md ---------------------------------

export interface FieldDoc {
  readonly name: string
  readonly required: boolean
  readonly type: string
}

/** The fields of a command (after `type`), in declaration order, for the catalogue. */
export const commandFields = (type: CommandType): readonly FieldDoc[] => {
  const s = commandSpecs[type] as unknown as CommandSpec<string, t.Props, t.Props>
  return [
    ...Object.entries(s.required).map(([name, c]) => ({ name, required: true, type: docNameOf(c) })),
    ...Object.entries(s.optional).map(([name, c]) => ({ name, required: false, type: docNameOf(c) })),
  ]
}
