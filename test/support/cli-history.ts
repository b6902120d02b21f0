/**
 * A small, lawful history for the CLI tests: an organisation set up by the
 * system then its manager, four tickets with different fates (met and closed;
 * escalated, suspended, reopened; breached and escalated by the timer; still
 * open), a knowledge article and a major incident. Every event obeys the
 * domain rules, so `soutien verify` finds it clean; tests corrupt copies.
 *
 * Sites are in Europe/Paris (UTC+1 in early March), support hours Mon–Fri
 * 08:00–12:00 and 13:30–18:00.
 */
import type { RecordedEvent } from '../../src/domain/envelope.js'
import type { Actor } from '../../src/domain/vocabulary.js'
import { historyLine } from '../../src/store/ndjson.js'
import { history, OFFICE_HOURS, type Step } from './history.js'

const SYSTEM: Actor = { id: 'system', role: 'system' }
const MANAGER: Actor = { id: 'manager-1', role: 'manager' }
const ASSIST: Actor = { id: 'assist-1', role: 'assistance' }
const TECH: Actor = { id: 'tech-1', role: 'office-technician' }
const NET: Actor = { id: 'net-1', role: 'network-technician' }
const EXPERT: Actor = { id: 'expert-1', role: 'expert' }
const user = (id: string): Actor => ({ id, role: 'user' })

const at = (s: string): string => `2026-03-${s}:00.000Z`
const step = (when: string, stream: string, actor: Actor, type: string, data: unknown): Step =>
  ({ type, data, at: at(when), stream, actor }) as Step
const org = (when: string, actor: Actor, type: string, data: unknown) =>
  step(when, 'organization', actor, type, data)
const tk = (id: string) => (when: string, actor: Actor, type: string, data: unknown) =>
  step(when, `ticket-${id}`, actor, type, data)

const T1 = tk('T-1')
const T2 = tk('T-2')
const T3 = tk('T-3')
const T4 = tk('T-4')
const MI = (when: string, actor: Actor, type: string, data: unknown) =>
  step(when, 'major-incident-MI-1', actor, type, data)

export const POLICY = {
  responseTarget: 'PT4H',
  escalationDelays: { office: 'PT2H', network: 'PT1H' },
  resolutionTargets: { P1: 'PT4H', P2: 'PT8H', P3: 'PT16H', P4: 'PT40H' },
  majorIncidentBulletinTarget: 'PT24H',
  qualityThresholds: {
    excellent: { responseCompliance: 0.95, satisfactionMean: 4.2 },
    good: { responseCompliance: 0.9, satisfactionMean: 3.8 },
    fair: { responseCompliance: 0.75, satisfactionMean: 3 },
  },
}

export const SAMPLE_STEPS: readonly Step[] = [
  org('02T06:00', SYSTEM, 'SiteRegistered', { siteId: 'paris', name: 'Paris', timeZone: 'Europe/Paris' }),
  org('02T06:00', SYSTEM, 'SiteRegistered', { siteId: 'lyon', name: 'Lyon', timeZone: 'Europe/Paris' }),
  org('02T06:00', SYSTEM, 'SupportHoursSet', { siteId: 'paris', weekly: OFFICE_HOURS, holidays: [] }),
  org('02T06:00', SYSTEM, 'SupportHoursSet', { siteId: 'lyon', weekly: OFFICE_HOURS, holidays: [] }),
  org('02T06:00', SYSTEM, 'DeskRegistered', {
    deskId: 'desk-1',
    name: 'Assistance',
    contact: '1234',
    siteIds: ['paris', 'lyon'],
  }),
  org('02T06:00', SYSTEM, 'WorkstationTypeDefined', {
    workstationType: 'windows-laptop',
    label: 'Windows laptop',
  }),
  org('02T06:00', SYSTEM, 'WorkstationTypeDefined', { workstationType: 'mac-laptop', label: 'Mac laptop' }),
  org('02T06:00', SYSTEM, 'UserRegistered', {
    userId: 'user-1',
    name: 'Ada',
    siteId: 'paris',
    workstationType: 'windows-laptop',
    deskId: 'desk-1',
  }),
  org('02T06:00', SYSTEM, 'UserRegistered', {
    userId: 'user-2',
    name: 'Bob',
    siteId: 'lyon',
    workstationType: 'mac-laptop',
    deskId: 'desk-1',
  }),
  org('02T06:00', SYSTEM, 'AgentEnrolled', {
    agentId: 'assist-1',
    name: 'Alice',
    role: 'assistance',
    siteIds: ['paris', 'lyon'],
    workstationTypes: ['windows-laptop', 'mac-laptop'],
    deskId: 'desk-1',
  }),
  org('02T06:00', SYSTEM, 'AgentEnrolled', {
    agentId: 'tech-1',
    name: 'Tom',
    role: 'office-technician',
    siteIds: ['paris', 'lyon'],
    workstationTypes: ['windows-laptop', 'mac-laptop'],
  }),
  org('02T06:00', SYSTEM, 'AgentEnrolled', {
    agentId: 'net-1',
    name: 'Nina',
    role: 'network-technician',
    siteIds: ['paris', 'lyon'],
    workstationTypes: ['windows-laptop', 'mac-laptop'],
  }),
  org('02T06:00', SYSTEM, 'AgentEnrolled', {
    agentId: 'expert-1',
    name: 'Eve',
    role: 'expert',
    siteIds: ['paris', 'lyon'],
    workstationTypes: ['windows-laptop', 'mac-laptop'],
    domains: ['office', 'network'],
  }),
  org('02T06:00', SYSTEM, 'AgentEnrolled', {
    agentId: 'manager-1',
    name: 'Max',
    role: 'manager',
    siteIds: ['paris'],
    workstationTypes: [],
  }),
  org('02T06:30', MANAGER, 'SupportPolicySet', POLICY),

  // T-1: answered in 1:45, resolved citing an article, closed, rated 5.
  T1('02T07:15', ASSIST, 'TicketOpened', {
    ticketId: 'T-1',
    requesterId: 'user-1',
    siteId: 'paris',
    workstationType: 'windows-laptop',
    deskId: 'desk-1',
    channel: 'phone',
    summary: 'Outlook crashes at start',
  }),
  T1('02T07:20', ASSIST, 'TicketQualified', { kind: 'incident', domain: 'office', priority: 'P2' }),
  T1('02T07:25', ASSIST, 'TicketAssigned', { ownerId: 'tech-1' }),
  T1('02T09:00', TECH, 'UserInformed', { kind: 'answer', message: 'Repairing your profile now.' }),
  step('02T09:30', 'knowledge-KA-1', TECH, 'KnowledgeArticlePublished', {
    articleId: 'KA-1',
    title: 'Outlook profile repair',
    domain: 'office',
    workstationTypes: ['windows-laptop'],
    body: 'Run the repair tool.',
  }),
  T1('02T10:00', TECH, 'TicketResolved', {
    resolutionCode: 'fixed',
    solution: 'Profile rebuilt.',
    knowledgeArticleId: 'KA-1',
  }),
  T1('02T10:05', TECH, 'UserInformed', { kind: 'restoration', message: 'Outlook works again.' }),
  T1('02T10:10', TECH, 'TicketClosed', {}),
  T1('02T11:00', user('user-1'), 'SatisfactionRecorded', { score: 5 }),

  // T-2: network P1, escalated, advised, scheduled, suspended, resumed, resolved, reopened, resolved.
  T2('02T13:00', ASSIST, 'TicketOpened', {
    ticketId: 'T-2',
    requesterId: 'user-2',
    siteId: 'lyon',
    workstationType: 'mac-laptop',
    deskId: 'desk-1',
    channel: 'email',
    summary: 'No network in meeting room',
  }),
  T2('02T13:05', ASSIST, 'TicketQualified', { kind: 'incident', domain: 'network', priority: 'P1' }),
  T2('02T13:10', ASSIST, 'TicketAssigned', { ownerId: 'net-1' }),
  T2('02T13:30', NET, 'TicketEscalated', { domain: 'network', reason: 'manual', note: 'Switch port?' }),
  T2('02T14:00', EXPERT, 'ExpertAdviceGiven', { advice: 'Reset the port security.' }),
  T2('02T14:10', NET, 'UserInformed', {
    kind: 'schedule',
    message: 'Fixed tomorrow morning.',
    expectedResolutionAt: '2026-03-03T10:00:00.000Z',
  }),
  T2('02T14:20', NET, 'TicketSuspended', { reason: 'awaiting-user' }),
  T2('03T08:00', NET, 'TicketResumed', {}),
  T2('03T09:00', NET, 'TicketResolved', { resolutionCode: 'fixed', solution: 'Port security reset.' }),
  T2('03T10:00', user('user-2'), 'TicketReopened', { reason: 'Down again.' }),
  T2('03T11:00', NET, 'TicketResolved', { resolutionCode: 'fixed', solution: 'Cable replaced.' }),
  T2('03T11:30', user('user-2'), 'SatisfactionRecorded', { score: 3 }),

  // T-3: never answered: escalated by the timer at its deadline, management involved at the breach.
  T3('03T07:30', ASSIST, 'TicketOpened', {
    ticketId: 'T-3',
    requesterId: 'user-1',
    siteId: 'paris',
    workstationType: 'windows-laptop',
    deskId: 'desk-1',
    channel: 'portal',
    summary: 'Printer offline',
  }),
  T3('03T07:35', ASSIST, 'TicketQualified', { kind: 'incident', domain: 'office', priority: 'P3' }),
  T3('03T07:40', ASSIST, 'TicketAssigned', { ownerId: 'tech-1' }),
  T3('03T09:30', SYSTEM, 'TicketEscalated', { domain: 'office', reason: 'delay-expired' }),

  // MI-1: declared, staff alerted at once, bulletin after 3 hours, resolved.
  MI('03T12:00', NET, 'MajorIncidentDeclared', {
    incidentId: 'MI-1',
    summary: 'WAN link down',
    siteIds: ['lyon'],
    services: ['network'],
  }),
  MI('03T12:00', SYSTEM, 'SupportStaffAlerted', { agentIds: ['assist-1', 'tech-1', 'net-1', 'expert-1'] }),
  T3('03T13:00', SYSTEM, 'HierarchyInvolved', { reason: 'response-breach' }),
  MI('03T15:00', NET, 'IncidentBulletinPublished', {
    kind: 'information',
    message: 'Operator is on it.',
    siteIds: ['lyon'],
  }),
  MI('03T16:00', NET, 'MajorIncidentResolved', { summary: 'Operator fixed the link.' }),

  // T-4: opened, nothing else yet (in the backlog).
  T4('04T08:00', ASSIST, 'TicketOpened', {
    ticketId: 'T-4',
    requesterId: 'user-2',
    siteId: 'lyon',
    workstationType: 'mac-laptop',
    deskId: 'desk-1',
    channel: 'walk-in',
    summary: 'New keyboard',
  }),
]

export const sampleEvents = (): RecordedEvent[] => history(SAMPLE_STEPS)

/** The sample as a history file (NDJSON, one event a line). */
export const sampleNdjson = (): string => sampleEvents().map(historyLine).join('')

/** The lines of the sample file (without their newlines), to corrupt one. */
export const sampleLines = (): string[] => sampleNdjson().trimEnd().split('\n')

/** 1-based line of the first event matching. */
export const lineOf = (match: (e: RecordedEvent) => boolean): number => sampleEvents().findIndex(match) + 1
