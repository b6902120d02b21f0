/**
 * Command codecs: every command decodes from JSON; malformed input is refused
 * with the field path, never with a throw; docs/commands.md lists the fields
 * the codecs actually accept.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { COMMAND_TYPES, CommandInput, commandFields, decodeCommand, LIMITS } from '../src/commands/codecs.js'
import { commandCategory, streamOfCommand } from '../src/commands/routing.js'
import type { DecodeProblem } from '../src/domain/codec.js'
import type { Command, CommandType } from '../src/domain/commands.js'

/** One valid example of every command, as a JSON client would send it. */
const examples: { readonly [K in CommandType]: Extract<Command, { type: K }> } = {
  RegisterSite: {
    type: 'RegisterSite',
    siteId: 'site-paris',
    name: 'Paris La Défense',
    timeZone: 'Europe/Paris',
  },
  SetSupportHours: {
    type: 'SetSupportHours',
    siteId: 'site-paris',
    weekly: {
      mon: [
        ['08:00', '12:00'],
        ['13:30', '18:00'],
      ],
      sat: [['09:00', '24:00']],
    },
    holidays: ['2026-05-01', '2026-07-14'],
  } as unknown as Extract<Command, { type: 'SetSupportHours' }>,
  RegisterDesk: {
    type: 'RegisterDesk',
    deskId: 'desk-paris',
    name: 'Assistance aux Utilisateurs Paris',
    contact: '+33 1 23 45 67 89',
    siteIds: ['site-paris'],
  },
  DefineWorkstationType: {
    type: 'DefineWorkstationType',
    workstationType: 'windows-desktop',
    label: 'Windows 11',
  },
  RegisterUser: {
    type: 'RegisterUser',
    userId: 'jeanne.martin@example.fr',
    name: 'Jeanne Martin',
    siteId: 'site-paris',
    workstationType: 'windows-desktop',
    deskId: 'desk-paris',
  },
  DesignateUserEntryPoint: { type: 'DesignateUserEntryPoint', userId: 'u-1', deskId: 'desk-lyon' },
  EnrollAgent: {
    type: 'EnrollAgent',
    agentId: 'agent-31',
    name: 'Karim Benali',
    role: 'expert',
    siteIds: ['site-paris', 'site-montreal'],
    workstationTypes: [],
    domains: ['network', 'telephony'],
  },
  RetireAgent: { type: 'RetireAgent', agentId: 'agent-31' },
  SetSupportPolicy: {
    type: 'SetSupportPolicy',
    responseTarget: 'PT4H',
    escalationDelays: { office: 'PT8H', network: 'PT2H' },
    resolutionTargets: { P1: 'PT4H', P4: 'PT40H' },
    majorIncidentBulletinTarget: 'PT24H',
    qualityThresholds: {
      excellent: { responseCompliance: 0.95, satisfactionMean: 4.2 },
      good: { responseCompliance: 0.9, satisfactionMean: 3.8 },
      fair: { responseCompliance: 0.75 },
    },
  } as Extract<Command, { type: 'SetSupportPolicy' }>,
  OpenTicket: {
    type: 'OpenTicket',
    ticketId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    requesterId: 'u-1',
    channel: 'walk-in',
    summary: 'Le poste ne démarre plus',
    siteId: 'site-paris',
  },
  QualifyTicket: {
    type: 'QualifyTicket',
    ticketId: 'T-42',
    kind: 'incident',
    domain: 'office',
    priority: 'P2',
    diagnosis: 'disque plein',
  },
  AssignTicket: { type: 'AssignTicket', ticketId: 'T-42', ownerId: 'agent-12' },
  InformUser: {
    type: 'InformUser',
    ticketId: 'T-42',
    kind: 'schedule',
    message: 'Intervention demain matin',
    expectedResolutionAt: '2026-03-03T09:00:00.000Z',
  } as Extract<Command, { type: 'InformUser' }>,
  EscalateTicket: {
    type: 'EscalateTicket',
    ticketId: 'T-42',
    reason: 'manual',
    note: 'besoin d’un expert réseau',
  },
  GiveExpertAdvice: { type: 'GiveExpertAdvice', ticketId: 'T-42', advice: 'Vérifier le VLAN du port' },
  InvolveHierarchy: { type: 'InvolveHierarchy', ticketId: 'T-42', reason: 'difficulty' },
  SuspendTicket: { type: 'SuspendTicket', ticketId: 'T-42', reason: 'awaiting-supplier' },
  ResumeTicket: { type: 'ResumeTicket', ticketId: 'T-42' },
  ResolveTicket: {
    type: 'ResolveTicket',
    ticketId: 'T-42',
    resolutionCode: 'fixed',
    solution: 'Disque remplacé, données restaurées',
    knowledgeArticleId: 'KB-7',
  },
  ReopenTicket: { type: 'ReopenTicket', ticketId: 'T-42', reason: 'Le problème est revenu' },
  CloseTicket: { type: 'CloseTicket', ticketId: 'T-42' },
  RecordSatisfaction: { type: 'RecordSatisfaction', ticketId: 'T-42', score: 5, comment: '' },
  LinkTicketToMajorIncident: { type: 'LinkTicketToMajorIncident', ticketId: 'T-42', incidentId: 'MI-3' },
  DeclareMajorIncident: {
    type: 'DeclareMajorIncident',
    incidentId: 'MI-3',
    summary: 'Serveurs de messagerie injoignables',
    siteIds: ['site-paris'],
    services: ['messagerie'],
  },
  PublishIncidentBulletin: {
    type: 'PublishIncidentBulletin',
    incidentId: 'MI-3',
    kind: 'information',
    message: 'Rétablissement prévu à 14h',
    siteIds: [],
  },
  ResolveMajorIncident: {
    type: 'ResolveMajorIncident',
    incidentId: 'MI-3',
    summary: 'Alimentation rétablie',
  },
  PublishKnowledgeArticle: {
    type: 'PublishKnowledgeArticle',
    articleId: 'KB-7',
    title: 'Remplacer un disque',
    domain: 'office',
    workstationTypes: ['windows-desktop'],
    body: 'Étapes…',
  },
  ReviseKnowledgeArticle: { type: 'ReviseKnowledgeArticle', articleId: 'KB-7', body: 'Étapes, revues' },
}

const problems = (u: unknown): readonly DecodeProblem[] => {
  const r = decodeCommand(u)
  if (E.isRight(r)) throw new Error(`expected a refusal, decoded ${JSON.stringify(r.right)}`)
  expect(r.left.length).toBeGreaterThan(0)
  return r.left
}
const paths = (u: unknown) => problems(u).map((p) => p.path)
const viaJson = (u: unknown): unknown => JSON.parse(JSON.stringify(u))
const withField = (type: CommandType, field: string, value: unknown) => ({
  ...examples[type],
  [field]: value,
})

describe('command codecs: valid input', () => {
  it('has one example per command type', () => {
    expect(Object.keys(examples).sort()).toEqual([...COMMAND_TYPES].sort())
  })

  it.each(COMMAND_TYPES)('%s decodes from JSON to the same command', (type) => {
    const input = viaJson(examples[type])
    expect(decodeCommand(input)).toEqual(E.right(examples[type]))
    expect(CommandInput.is(input)).toBe(true)
  })

  it('accepts the bounds themselves', () => {
    const body = 'x'.repeat(LIMITS.body)
    expect(E.isRight(decodeCommand(withField('ReviseKnowledgeArticle', 'body', body)))).toBe(true)
    const id = 'a'.repeat(LIMITS.identifier)
    expect(E.isRight(decodeCommand(withField('CloseTicket', 'ticketId', id)))).toBe(true)
    expect(E.isRight(decodeCommand(withField('RecordSatisfaction', 'score', 1)))).toBe(true)
  })

  it('routes every command to the stream named by its id', () => {
    expect(streamOfCommand(examples.OpenTicket)).toBe('ticket-0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')
    expect(streamOfCommand(examples.LinkTicketToMajorIncident)).toBe('ticket-T-42')
    expect(streamOfCommand(examples.ResolveTicket)).toBe('ticket-T-42')
    expect(streamOfCommand(examples.PublishIncidentBulletin)).toBe('major-incident-MI-3')
    expect(streamOfCommand(examples.ReviseKnowledgeArticle)).toBe('knowledge-KB-7')
    expect(streamOfCommand(examples.EnrollAgent)).toBe('organization')
    for (const type of COMMAND_TYPES) {
      const stream = streamOfCommand(examples[type])
      const category = commandCategory[type]
      expect(
        category === 'organization' ? stream === 'organization' : stream.startsWith(`${category}-`),
      ).toBe(true)
    }
  })
})

describe('command codecs: malformed input is refused with its path', () => {
  it.each(COMMAND_TYPES)('%s: each missing required field is named', (type) => {
    for (const f of commandFields(type).filter((x) => x.required)) {
      const { [f.name]: _, ...rest } = examples[type] as unknown as Record<string, unknown>
      const ps = problems(rest)
      expect(ps.map((p) => p.path)).toEqual([f.name])
      expect(ps[0]?.message).toMatch(/missing/)
    }
  })

  it.each(COMMAND_TYPES)('%s: an unknown field is refused, not dropped', (type) => {
    const ps = problems({ ...examples[type], sumary: 'typo' })
    expect(ps).toEqual([
      { path: 'sumary', expected: 'never', actual: '"typo"', message: 'unknown field "sumary"' },
    ])
  })

  it('refuses values outside the vocabulary, naming the values expected', () => {
    const ps = problems(withField('OpenTicket', 'channel', 'fax'))
    expect(ps).toHaveLength(1)
    expect(ps[0]).toMatchObject({ path: 'channel', actual: '"fax"' })
    expect(ps[0]?.message).toContain('"phone" | "email" | "portal" | "walk-in"')
    expect(paths(withField('QualifyTicket', 'priority', 'P5'))).toEqual(['priority'])
    expect(paths(withField('QualifyTicket', 'kind', 'Incident'))).toEqual(['kind'])
    expect(paths(withField('EnrollAgent', 'role', 'user'))).toEqual(['role'])
    expect(paths(withField('EnrollAgent', 'role', 'system'))).toEqual(['role'])
    expect(paths(withField('EnrollAgent', 'domains', ['network', 'hardware']))).toEqual(['domains.1'])
    expect(paths(withField('InformUser', 'kind', 'gossip'))).toEqual(['kind'])
    expect(paths(withField('EscalateTicket', 'reason', 'boredom'))).toEqual(['reason'])
    expect(paths(withField('SuspendTicket', 'reason', 'lunch'))).toEqual(['reason'])
    expect(paths(withField('PublishIncidentBulletin', 'kind', 'rumour'))).toEqual(['kind'])
  })

  it('refuses wrong types', () => {
    expect(paths(withField('RecordSatisfaction', 'score', '5'))).toEqual(['score'])
    expect(paths(withField('RecordSatisfaction', 'score', 6))).toEqual(['score'])
    expect(paths(withField('RecordSatisfaction', 'score', 4.5))).toEqual(['score'])
    expect(paths(withField('RecordSatisfaction', 'score', Number.NaN))).toEqual(['score'])
    expect(paths(withField('RegisterDesk', 'siteIds', 'site-paris'))).toEqual(['siteIds'])
    expect(paths(withField('RegisterDesk', 'siteIds', ['site-paris', 3]))).toEqual(['siteIds.1'])
    expect(paths(withField('AssignTicket', 'ownerId', null))).toEqual(['ownerId'])
    expect(paths(withField('OpenTicket', 'summary', { text: 'x' }))).toEqual(['summary'])
    expect(paths(withField('InformUser', 'expectedResolutionAt', '2026-03-03 09:00'))).toEqual([
      'expectedResolutionAt',
    ])
    expect(paths(withField('InformUser', 'expectedResolutionAt', '2026-02-30T09:00:00.000Z'))).toEqual([
      'expectedResolutionAt',
    ])
    // Out-of-range dates used to make Date#toISOString throw inside the codec.
    expect(paths(withField('InformUser', 'expectedResolutionAt', '2026-13-01T09:00:00.000Z'))).toEqual([
      'expectedResolutionAt',
    ])
    expect(paths(withField('SetSupportHours', 'holidays', ['2026-00-10']))).toEqual(['holidays.0'])
  })

  it('refuses blank texts, malformed identifiers and unknown time zones', () => {
    expect(paths(withField('OpenTicket', 'summary', '   '))).toEqual(['summary'])
    expect(paths(withField('ResolveTicket', 'solution', ''))).toEqual(['solution'])
    expect(paths(withField('CloseTicket', 'ticketId', ''))).toEqual(['ticketId'])
    expect(paths(withField('CloseTicket', 'ticketId', 'T 42'))).toEqual(['ticketId'])
    expect(paths(withField('CloseTicket', 'ticketId', '../etc/passwd'))).toEqual(['ticketId'])
    expect(paths(withField('CloseTicket', 'ticketId', 'T-42\n'))).toEqual(['ticketId'])
    expect(paths(withField('RegisterSite', 'timeZone', 'Mars/Olympus_Mons'))).toEqual(['timeZone'])
    expect(paths(withField('RegisterSite', 'timeZone', ''))).toEqual(['timeZone'])
    expect(paths(withField('RegisterSite', 'timeZone', '+01:00'))).toEqual(['timeZone'])
    expect(E.isRight(decodeCommand(withField('RegisterSite', 'timeZone', 'America/Montreal')))).toBe(true)
  })

  it('refuses huge strings and lists, with a short rendering of the value', () => {
    const huge = 'x'.repeat(5_000_000)
    const ps = problems(withField('OpenTicket', 'summary', huge))
    expect(ps.map((p) => p.path)).toEqual(['summary'])
    expect(ps[0]?.actual.length).toBeLessThan(100)
    expect(paths(withField('ReviseKnowledgeArticle', 'body', 'x'.repeat(LIMITS.body + 1)))).toEqual(['body'])
    expect(paths(withField('CloseTicket', 'ticketId', 'a'.repeat(LIMITS.identifier + 1)))).toEqual([
      'ticketId',
    ])
    const many = Array.from({ length: LIMITS.list + 1 }, (_, i) => `site-${i}`)
    const lp = problems(withField('RegisterDesk', 'siteIds', many))
    expect(lp.map((p) => p.path)).toEqual(['siteIds'])
    expect(lp[0]?.message).toMatch(/too many items/)
  })

  it('names the nested path inside structured fields', () => {
    expect(
      paths(
        withField('SetSupportHours', 'weekly', { mon: [['08:00', '25:00']], funday: [], tue: 'all day' }),
      ),
    ).toEqual(expect.arrayContaining(['weekly.mon.0.1', 'weekly.funday', 'weekly.tue']))
    expect(paths(withField('SetSupportHours', 'holidays', ['2026-13-01']))).toEqual(['holidays.0'])
    expect(
      paths(withField('SetSupportPolicy', 'escalationDelays', { office: 'PT4X', hardware: 'PT1H' })),
    ).toEqual(['escalationDelays.hardware', 'escalationDelays.office'])
    expect(
      paths(
        withField('SetSupportPolicy', 'qualityThresholds', {
          excellent: { responseCompliance: 0.95 },
          good: { responseCompliance: 'high' },
        }),
      ),
    ).toEqual(['qualityThresholds.good.responseCompliance', 'qualityThresholds.fair'])
  })

  it('requires a date with a schedule (a cross-field rule, reported at the field)', () => {
    const { expectedResolutionAt: _, ...noDate } = examples.InformUser
    const ps = problems(noDate)
    expect(ps.map((p) => p.path)).toEqual(['expectedResolutionAt'])
    expect(ps[0]?.message).toMatch(/schedule/)
    expect(E.isRight(decodeCommand({ ...noDate, kind: 'progress' }))).toBe(true)
  })

  it('refuses what is not a command object', () => {
    for (const u of [null, undefined, 42, 'OpenTicket', true, [], [examples.CloseTicket]])
      expect(paths(u)).toEqual(['(root)'])
    expect(problems({})).toMatchObject([{ path: 'type', message: expect.stringMatching(/missing/) }])
    expect(paths({ type: 42 })).toEqual(['type'])
    expect(paths({ type: 'DeleteEverything' })).toEqual(['type'])
    expect(paths({ type: 'closeTicket', ticketId: 'T-42' })).toEqual(['type'])
  })

  it('is not fooled by prototype keys', () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])
      expect(paths({ type })).toEqual(['type'])
    const polluted = JSON.parse('{"type":"CloseTicket","ticketId":"T-42","__proto__":{"admin":true}}')
    expect(paths(polluted)).toEqual(['__proto__'])
    const inherited = Object.create({ ticketId: 'T-42' }) as Record<string, unknown>
    inherited.type = 'CloseTicket'
    expect(paths(inherited)).toEqual(['ticketId'])
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })
})

describe('command codecs: properties', () => {
  it('never throws on arbitrary JSON, and every refusal names a path', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (u) => {
        const r = decodeCommand(u)
        if (E.isLeft(r)) return r.left.length > 0 && r.left.every((p) => p.path.length > 0)
        return CommandInput.is(r.right)
      }),
      { numRuns: 2_000 },
    )
  })

  it('never throws on a valid command with one field replaced by arbitrary JSON', () => {
    const arb = fc.constantFrom(...COMMAND_TYPES).chain((type) =>
      fc.record({
        type: fc.constant(type),
        field: fc.constantFrom(...commandFields(type).map((f) => f.name), 'type', '__proto__', 'extra'),
        value: fc.jsonValue(),
      }),
    )
    fc.assert(
      fc.property(arb, ({ type, field, value }) => {
        const input = viaJson({ ...examples[type] }) as Record<string, unknown>
        Object.defineProperty(input, field, { value, enumerable: true, configurable: true, writable: true })
        const r = decodeCommand(input)
        if (E.isRight(r)) return CommandInput.is(r.right)
        // A refusal names the replaced field (or is about the type / the root).
        return r.left.every((p) => p.path === field || p.path.startsWith(`${field}.`) || p.path === 'type')
      }),
      { numRuns: 2_000 },
    )
  })
})

// ---- docs/commands.md is generated from the codecs where it lists fields -----------

const DOC = new URL('../docs/commands.md', import.meta.url)

const fieldsTable = (type: CommandType): string =>
  [
    '| field | type | required |',
    '|---|---|---|',
    ...commandFields(type).map((f) => `| \`${f.name}\` | ${f.type} | ${f.required ? 'yes' : 'no'} |`),
  ].join('\n')

const BLOCK = /<!-- fields:(\w+) -->\n[\s\S]*?<!-- \/fields -->/g

/** Table cells without the padding Biome adds when it formats the Markdown. */
const normalized = (md: string): string =>
  md
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split(/(?<!\\)\|/)
            .map((cell) => cell.trim().replace(/^-{3,}$/, '---'))
            .join('|')
        : line,
    )
    .join('\n')

describe('docs/commands.md', () => {
  it('lists, for every command, the fields the codecs accept', () => {
    const doc = readFileSync(DOC, 'utf8')
    const fresh = doc.replace(
      BLOCK,
      (_, type: string) => `<!-- fields:${type} -->\n${fieldsTable(type as CommandType)}\n<!-- /fields -->`,
    )
    // Out of date? Run `SOUTIEN_UPDATE_DOCS=1 npx vitest run test/commands.codecs.test.ts`,
    // then `npx biome check --write docs/commands.md` (it aligns the tables).
    if (process.env.SOUTIEN_UPDATE_DOCS === '1' && normalized(fresh) !== normalized(doc))
      writeFileSync(DOC, fresh)
    const documented = [...doc.matchAll(BLOCK)].map((m) => m[1])
    expect(documented.sort()).toEqual([...COMMAND_TYPES].sort())
    expect(normalized(doc)).toBe(normalized(fresh))
  })
})

/** Refusal tags the deciders can return, read from their source (`domainError('Tag'`, `no('Tag'`, `tag: 'Tag'`). */
const DECIDER_SOURCES = ['organization', 'ticket', 'major-incident', 'knowledge'].map(
  (name) => new URL(`../src/domain/${name}.ts`, import.meta.url),
)
const TAG = /(?:domainError|\bno|Refusal)\(\s*'([A-Z]\w+)'|\btag: '([A-Z]\w+)'/g

describe('docs/commands.md refusals', () => {
  it('documents every refusal tag the deciders and the handler use', () => {
    const doc = readFileSync(DOC, 'utf8')
    const engine = readFileSync(new URL('../src/commands/engine.ts', import.meta.url), 'utf8')
    const tags = new Set<string>()
    for (const src of [...DECIDER_SOURCES.map((u) => readFileSync(u, 'utf8')), engine])
      for (const m of src.matchAll(TAG)) tags.add((m[1] ?? m[2]) as string)
    tags.add('AtReservedForSystem')
    expect(tags.size).toBeGreaterThan(50)
    const missing = [...tags].filter((tag) => !doc.includes(`\`${tag}\``)).sort()
    expect(missing).toEqual([])
  })
})
