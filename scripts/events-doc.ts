/**
 * Generates docs/events.md from the event codecs, so the reference cannot
 * drift from the code: `npx tsx scripts/events-doc.ts` rewrites it, and
 * test/events-doc.test.ts fails when it is out of date.
 */
import { writeFileSync } from 'node:fs'
import type * as t from 'io-ts'
import { fieldsOf } from '../src/domain/codec.js'
import {
  currentVersion,
  type EventType,
  eventCodecs,
  knowledgeEventCodecs,
  majorIncidentEventCodecs,
  organizationEventCodecs,
  ticketEventCodecs,
} from '../src/domain/events.js'

const typeName = (c: t.Mixed): string => {
  const f = fieldsOf(c)
  if (f !== undefined) {
    const parts = [
      ...Object.entries(f.required).map(([k, v]) => `${k}: ${typeName(v as t.Mixed)}`),
      ...Object.entries(f.optional).map(([k, v]) => `${k}?: ${typeName(v as t.Mixed)}`),
    ]
    return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`
  }
  const keys = (c as t.Mixed & { keys?: Record<string, unknown> }).keys
  if (keys !== undefined)
    return Object.keys(keys)
      .map((k) => `\`${k}\``)
      .join(' \\| ')
  return c.name.replace(/\|/g, '\\|')
}

const section = (title: string, stream: string, codecs: Record<string, t.Mixed>): string => {
  const rows = Object.entries(codecs).map(([type, codec]) => {
    const f = fieldsOf(codec)
    const fields =
      f === undefined
        ? typeName(codec)
        : [
            ...Object.entries(f.required).map(([k, v]) => `\`${k}\`: ${typeName(v as t.Mixed)}`),
            ...Object.entries(f.optional).map(([k, v]) => `\`${k}\` (optional): ${typeName(v as t.Mixed)}`),
          ].join('<br>') || '—'
    return `| \`${type}\` | ${currentVersion[type as EventType]} | ${fields} |`
  })
  return [
    `## ${title}`,
    '',
    `Stream: \`${stream}\``,
    '',
    '| type | version | data |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

export const renderEventsDoc = (): string =>
  [
    '# Event reference',
    '',
    '<!-- Generated from src/domain/events.ts by `npx tsx scripts/events-doc.ts`; do not edit by hand. -->',
    '',
    'Every recorded event is one JSON object (one line in a history file) with the envelope of',
    '`shared/spec/domain.md` §3: `id`, `stream`, `revision`, `position`, `type`, `version`, `at`, `actor`',
    '`{id, role}`, `data`, `meta` `{commandId?, correlationId?, causationId?, prevHash?, hash?}`.',
    'Unknown fields are refused, in the envelope and in `data`, with their path.',
    '',
    '`version` is the schema version a writer writes today. Older versions are upcast on read',
    '(src/domain/upcasters.ts); the stored event is never rewritten.',
    '',
    '- `SupportPolicySet` v1 (the shape of domain.md §4) may leave out `responseTarget` (PT4H),',
    '  `majorIncidentBulletinTarget` (PT24H) and `qualityThresholds` (the §6 table); v2 records them',
    '  explicitly, so that a recorded policy reads the same whatever defaults a later release ships.',
    '',
    'Types: `IsoInstant` is ISO 8601 UTC with milliseconds (`2026-03-02T09:15:00.000Z`); `Duration` is',
    '`PTnHnM`; `LocalTime` is `HH:MM` (`24:00` allowed as an end); `LocalDate` is `YYYY-MM-DD`;',
    '`NonEmpty` is a string with a non-blank character.',
    '',
    section('Organization', 'organization', organizationEventCodecs),
    section('Ticket', 'ticket-<ticketId>', ticketEventCodecs),
    section('Major incident', 'major-incident-<incidentId>', majorIncidentEventCodecs),
    section('Knowledge', 'knowledge-<articleId>', knowledgeEventCodecs),
    `${Object.keys(eventCodecs).length} event types in all.`,
    '',
  ].join('\n')

if (process.argv[1]?.endsWith('events-doc.ts')) {
  writeFileSync(new URL('../docs/events.md', import.meta.url), renderEventsDoc())
  console.log('docs/events.md written')
}
