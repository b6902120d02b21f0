/**
 * The pure EventStoreDB mapping, without a server: envelope ↔ EventStoreDB
 * event, revisions, positions and checkpoints, filters, error classification
 * with the client library's own error classes, and the resubscription backoff.
 */
import {
  AccessDeniedError,
  ANY,
  CancelledError,
  DeadlineExceededError,
  InvalidArgumentError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client'
import fc from 'fast-check'
import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { IsoInstant } from '../src/domain/codec.js'
import type { EventToAppend } from '../src/domain/envelope.js'
import {
  actualRevisionOf,
  checkNamespace,
  comparePositions,
  DEFAULT_RESUBSCRIBE,
  decodeEsdbPosition,
  describeServer,
  type EsdbPosition,
  type EsdbRecord,
  encodeEsdbPosition,
  envelopeOf,
  esdbErrorKind,
  esdbMetadataOf,
  esdbStreamName,
  exactExpectedRevision,
  fromEsdbRecord,
  fromPortPosition,
  isAfterPosition,
  isDeliverable,
  isSystemName,
  isTransient,
  positionNumber,
  prefixFilter,
  redactCredentials,
  resolvePrefixes,
  resubscribeDelay,
  soutienStreamName,
  startOf,
  toClientConnectionString,
  toEsdbEvent,
  toEsdbExpectedRevision,
  toStoreError,
} from '../src/store/esdb-mapping.js'
import { invalidEvent, StoreFailure } from '../src/store/port.js'

const at = '2026-03-02T09:15:00.000Z' as IsoInstant
const opened: EventToAppend = {
  id: '0190f3a4-7c1e-7d2a-9b3c-1a2b3c4d5e6f',
  type: 'TicketOpened',
  version: 1,
  at,
  actor: { id: 'agent-12', role: 'assistance' },
  data: {
    ticketId: 'T-42',
    requesterId: 'user-7',
    siteId: 'paris',
    workstationType: 'laptop',
    deskId: 'desk-1',
    channel: 'phone',
    summary: 'Outlook freezes',
  },
  meta: { commandId: 'cmd-1', correlationId: 'corr-1', causationId: 'cmd-1' },
} as EventToAppend

const pos = (n: bigint | number, p?: bigint | number): EsdbPosition => ({
  commit: BigInt(n),
  prepare: BigInt(p ?? n),
})

/** What the client hands back for an event written with `toEsdbEvent`: JSON went over the wire. */
const recordOf = (
  e: EventToAppend,
  stream: string,
  revision: bigint,
  position?: EsdbPosition,
): EsdbRecord => {
  const written = toEsdbEvent(e)
  if (isLeft(written)) throw new Error(written.left)
  const w = written.right
  return {
    streamId: stream,
    id: w.id,
    revision,
    type: w.type,
    isJson: w.contentType === 'application/json',
    data: JSON.parse(JSON.stringify(w.data)),
    metadata: JSON.parse(JSON.stringify(w.metadata)),
    ...(position === undefined ? {} : { position }),
  }
}

describe('event layout', () => {
  it('writes the envelope id as the EventStoreDB id, the type, the data as JSON and the rest as metadata', () => {
    const r = toEsdbEvent(opened)
    expect(isRight(r)).toBe(true)
    if (isLeft(r)) return
    expect(r.right).toEqual({
      id: opened.id,
      contentType: 'application/json',
      type: 'TicketOpened',
      data: opened.data,
      metadata: {
        version: 1,
        at,
        actor: { id: 'agent-12', role: 'assistance' },
        meta: { commandId: 'cmd-1', correlationId: 'corr-1', causationId: 'cmd-1' },
        $correlationId: 'corr-1',
        $causationId: 'cmd-1',
      },
    })
  })

  it('leaves out $correlationId and $causationId when the event has none', () => {
    const md = esdbMetadataOf({ ...opened, meta: {} } as EventToAppend)
    expect(md).toEqual({ version: 1, at, actor: { id: 'agent-12', role: 'assistance' }, meta: {} })
  })

  it('refuses an id that is not a UUID, naming it', () => {
    const r = toEsdbEvent({ ...opened, id: 'evt-1' } as EventToAppend)
    expect(isLeft(r) && r.left).toMatch(/"evt-1" is not a UUID/)
  })

  it('reads back exactly what it wrote, with revision and commit position (property)', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
        fc.string({ minLength: 1 }),
        (id, revision, commit, summary) => {
          const e = { ...opened, id, data: { ...opened.data, summary } } as EventToAppend
          const back = fromEsdbRecord(recordOf(e, 'ticket-T-42', revision, pos(commit)))
          expect(isRight(back)).toBe(true)
          if (isLeft(back)) return
          expect(back.right.event).toEqual({
            ...e,
            stream: 'ticket-T-42',
            revision: Number(revision),
            position: Number(commit),
          })
          expect(back.right.position).toEqual(pos(commit))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('upcasts an event written at an older version on read', () => {
    const v1 = {
      id: '0190f3a4-7c1e-7d2a-9b3c-000000000001',
      type: 'SupportPolicySet',
      version: 1,
      at,
      actor: { id: 'boss', role: 'manager' },
      data: {
        escalationDelays: { office: 'PT2H', telephony: 'PT2H', business: 'PT4H', network: 'PT1H' },
        resolutionTargets: { P1: 'PT4H', P2: 'PT8H', P3: 'PT24H', P4: 'PT40H' },
      },
      meta: {},
    } as unknown as EventToAppend
    const back = fromEsdbRecord(recordOf(v1, 'organization', 3n, pos(4096)))
    expect(isRight(back)).toBe(true)
    if (isLeft(back)) return
    expect(back.right.event.version).toBe(2)
    expect(back.right.event.data).toMatchObject({
      responseTarget: 'PT4H',
      majorIncidentBulletinTarget: 'PT24H',
    })
  })

  it('accepts metadata without meta (all meta keys are optional) and ignores keys EventStoreDB tools add', () => {
    const r = recordOf(opened, 'ticket-T-42', 0n, pos(10))
    const { meta: _dropped, ...md } = r.metadata as Record<string, unknown>
    const back = fromEsdbRecord({ ...r, metadata: { ...md, $causedBy: 'x' } })
    expect(isRight(back) && back.right.event.meta).toEqual({})
  })

  it('refuses, with field paths, what Soutien did not write', () => {
    const good = recordOf(opened, 'ticket-T-42', 0n, pos(10))
    const paths = (r: EsdbRecord) => {
      const d = fromEsdbRecord(r)
      return isLeft(d) ? d.left.map((p) => p.path) : []
    }
    expect(paths({ ...good, isJson: false, data: new Uint8Array([1]) })).toContain('data')
    expect(paths({ ...good, metadata: new Uint8Array([1, 2]) })).toEqual(['metadata'])
    expect(paths({ ...good, metadata: undefined })).toEqual(['metadata'])
    expect(paths({ ...good, metadata: [1, 2] })).toEqual(['metadata'])
    const { position: _p, ...noPosition } = good
    expect(paths(noPosition)).toEqual(['position'])
    expect(paths({ ...good, position: pos(2n ** 53n) })).toEqual(['position'])
    expect(paths({ ...good, type: 'TicketTeleported' })).toEqual(['type'])
    expect(paths({ ...good, streamId: 'knowledge-1' })).toEqual(['stream'])
    expect(paths({ ...good, metadata: { ...(good.metadata as object), at: 'yesterday' } })).toEqual(['at'])
    expect(
      paths({ ...good, metadata: { ...(good.metadata as object), actor: { id: 'a', role: 'pirate' } } }),
    ).toEqual(['actor.role'])
    expect(paths({ ...good, data: { ...(good.data as object), channel: 'pigeon' } })).toEqual([
      'data.channel',
    ])
  })

  it('rebuilds the envelope of domain.md §3 before validation', () => {
    const env = envelopeOf(recordOf(opened, 'ticket-T-42', 5n, pos(777)))
    expect(isRight(env) && Object.keys(env.right)).toEqual([
      'id',
      'stream',
      'revision',
      'position',
      'type',
      'version',
      'at',
      'actor',
      'data',
      'meta',
    ])
  })
})

describe('positions', () => {
  const arbPos = fc
    .tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
    .map(([c, p]) => pos(c, p))

  it('orders by commit, then prepare', () => {
    expect(comparePositions(pos(10, 5), pos(10, 7))).toBe(-1)
    expect(comparePositions(pos(11, 0), pos(10, 7))).toBe(1)
    expect(comparePositions(pos(10, 7), pos(10, 7))).toBe(0)
    fc.assert(
      fc.property(arbPos, arbPos, (a, b) => {
        expect(comparePositions(a, b)).toBe(-comparePositions(b, a) || 0)
        const lexical = a.commit === b.commit ? a.prepare < b.prepare : a.commit < b.commit
        expect(comparePositions(a, b) === -1).toBe(lexical)
      }),
    )
  })

  it('is exclusive: a position is not after itself, and everything is after the start', () => {
    expect(isAfterPosition(pos(10), pos(10))).toBe(false)
    expect(isAfterPosition(pos(10, 11), pos(10))).toBe(true)
    expect(isAfterPosition(pos(0), 'start')).toBe(true)
  })

  it('hands out the commit position as a number, exactly, up to 2^53 - 1', () => {
    expect(positionNumber(pos(0))).toEqual({ _tag: 'Right', right: 0 })
    expect(positionNumber(pos(Number.MAX_SAFE_INTEGER))).toEqual({
      _tag: 'Right',
      right: Number.MAX_SAFE_INTEGER,
    })
    const beyond = positionNumber(pos(2n ** 53n))
    expect(isLeft(beyond) && beyond.left).toMatch(/2\^53/)
    // The "no position" marker of some servers, 2^64 - 1, is refused, never rounded.
    expect(isLeft(positionNumber(pos(2n ** 64n - 1n)))).toBe(true)
  })

  it('maps the port number back to the full position (commit = prepare for gRPC writes)', () => {
    expect(fromPortPosition(undefined)).toBe('start')
    expect(fromPortPosition(-1)).toBe('start')
    expect(fromPortPosition(1234)).toEqual(pos(1234))
    expect(() => fromPortPosition(1.5)).toThrow(RangeError)
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const p = fromPortPosition(n)
        expect(p !== 'start' && positionNumber(p)).toEqual({ _tag: 'Right', right: n })
      }),
    )
  })

  it('prefers the full position a caller kept over the number', () => {
    expect(startOf({ after: 5, afterEsdbPosition: pos(9, 8) })).toEqual(pos(9, 8))
    expect(startOf({ after: 5 })).toEqual(pos(5))
    expect(startOf({})).toBe('start')
  })

  it('encodes checkpoints as EventStoreDB prints them, and decodes them back (property)', () => {
    expect(encodeEsdbPosition(pos(1024, 1000))).toBe('C:1024/P:1000')
    fc.assert(
      fc.property(arbPos, (p) => {
        expect(decodeEsdbPosition(encodeEsdbPosition(p))).toEqual({ _tag: 'Right', right: p })
      }),
    )
  })

  it('refuses a malformed checkpoint, naming the value', () => {
    for (const bad of ['1024', 'C:1/P:', 'C:-1/P:1', `C:${2n ** 64n}/P:0`, 42, null]) {
      const d = decodeEsdbPosition(bad)
      expect(isLeft(d)).toBe(true)
      if (isLeft(d)) expect(d.left[0]?.actual).toBe(JSON.stringify(bad))
    }
  })
})

describe('revisions', () => {
  it('maps the expected revision of the port to the client constants', () => {
    expect(toEsdbExpectedRevision('any')).toEqual({ _tag: 'Right', right: ANY })
    expect(toEsdbExpectedRevision('no-stream')).toEqual({ _tag: 'Right', right: NO_STREAM })
    expect(toEsdbExpectedRevision('exists')).toEqual({ _tag: 'Right', right: STREAM_EXISTS })
    expect(toEsdbExpectedRevision(-1)).toEqual({ _tag: 'Right', right: NO_STREAM })
    expect(toEsdbExpectedRevision(0)).toEqual({ _tag: 'Right', right: 0n })
    expect(toEsdbExpectedRevision(41)).toEqual({ _tag: 'Right', right: 41n })
    for (const bad of [-2, 1.5, Number.NaN, 2 ** 60]) {
      const r = toEsdbExpectedRevision(bad)
      expect(isLeft(r) && r.left).toMatch(/is not a revision/)
    }
  })

  it('turns a known last revision into an exact expectation', () => {
    expect(exactExpectedRevision(-1)).toBe(NO_STREAM)
    expect(exactExpectedRevision(7)).toBe(7n)
  })

  it("reads 'no_stream' as -1 without ever calling BigInt on it", () => {
    expect(actualRevisionOf('no_stream')).toBe(-1)
    expect(actualRevisionOf(undefined)).toBe(-1)
    expect(actualRevisionOf(4n)).toBe(4)
    expect(actualRevisionOf(0n)).toBe(0)
    expect(actualRevisionOf(-1n)).toBe(-1)
    expect(actualRevisionOf(2n ** 64n - 1n)).toBe(-1)
    expect(actualRevisionOf('12')).toBe(12)
    expect(actualRevisionOf(3)).toBe(3)
  })

  it('maps the real WrongExpectedVersionError to a conflict with expected and actual', () => {
    const noStream = new WrongExpectedVersionError(undefined, {
      streamName: 'ticket-T-42',
      expected: 3n,
      current: 'no_stream',
    })
    const ctx = { server: 'esdb://localhost:2113', operation: 'append to ticket-T-42', stream: 'ticket-T-42' }
    expect(toStoreError(noStream, { ...ctx, expected: 3 })).toEqual({
      _tag: 'ConcurrencyConflict',
      stream: 'ticket-T-42',
      expected: 3,
      actual: -1,
      message: 'stream ticket-T-42: expected 3, but its last revision is none (no stream)',
    })
    const exists = new WrongExpectedVersionError(undefined, {
      streamName: 'ticket-T-42',
      expected: NO_STREAM,
      current: 6n,
    })
    expect(toStoreError(exists, { ...ctx, expected: 'no-stream' })).toMatchObject({
      _tag: 'ConcurrencyConflict',
      expected: 'no-stream',
      actual: 6,
    })
    // Without context it still names the stream from the error itself.
    expect(toStoreError(exists, { server: 'x', operation: 'y' })).toMatchObject({ stream: 'ticket-T-42' })
  })
})

describe('errors', () => {
  const grpcMetadata = (map: Record<string, string>) => ({ getMap: () => map })
  const serviceError = (code: number, message: string, map: Record<string, string> = {}) =>
    Object.assign(new Error(message), { code, details: message, metadata: grpcMetadata(map) })

  it('classifies the client library error classes', () => {
    expect(
      esdbErrorKind(
        new WrongExpectedVersionError(undefined, { streamName: 's', expected: ANY, current: 1n }),
      ),
    ).toBe('wrong-expected-version')
    expect(esdbErrorKind(new StreamNotFoundError(undefined, 'ticket-1'))).toBe('stream-not-found')
    expect(esdbErrorKind(StreamDeletedError.fromStreamName('ticket-1'))).toBe('stream-deleted')
    expect(esdbErrorKind(new UnavailableError())).toBe('unavailable')
    expect(esdbErrorKind(new DeadlineExceededError())).toBe('unavailable')
    expect(esdbErrorKind(new CancelledError())).toBe('unavailable')
    expect(
      esdbErrorKind(
        new NotLeaderError(
          serviceError(5, 'not leader', {
            'leader-endpoint-host': 'node2',
            'leader-endpoint-port': '2113',
          }) as never,
        ),
      ),
    ).toBe('unavailable')
    expect(esdbErrorKind(new AccessDeniedError())).toBe('access-denied')
    expect(esdbErrorKind(MaxAppendSizeExceededError.fromMaxAppendSize(1024))).toBe('too-large')
    expect(esdbErrorKind(new InvalidArgumentError('bad'))).toBe('invalid-argument')
    expect(esdbErrorKind(new UnknownError())).toBe('unknown')
  })

  it('classifies raw gRPC errors (the append path can leave them unconverted) and socket errors', () => {
    expect(esdbErrorKind(serviceError(14, '14 UNAVAILABLE: No connection established'))).toBe('unavailable')
    expect(esdbErrorKind(serviceError(4, '4 DEADLINE_EXCEEDED'))).toBe('unavailable')
    expect(esdbErrorKind(serviceError(16, '16 UNAUTHENTICATED'))).toBe('access-denied')
    expect(esdbErrorKind(serviceError(13, '13 INTERNAL'))).toBe('unknown')
    expect(esdbErrorKind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'unavailable',
    )
    expect(
      esdbErrorKind(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })),
    ).toBe('closed')
    expect(esdbErrorKind(new TypeError('x is not a function'))).toBe('other')
    expect(esdbErrorKind('Impossible situation')).toBe('other')
    expect(esdbErrorKind(undefined)).toBe('other')
  })

  it('resubscribes on transient failures only', () => {
    expect(isTransient(new UnavailableError())).toBe(true)
    expect(isTransient(new UnknownError())).toBe(true)
    expect(
      isTransient(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })),
    ).toBe(true)
    expect(isTransient(new AccessDeniedError())).toBe(false)
    expect(isTransient(StreamDeletedError.fromStreamName('ticket-1'))).toBe(false)
    expect(isTransient(new TypeError('bug'))).toBe(false)
  })

  it('names the server and the operation when the server cannot be reached', () => {
    const raw = serviceError(
      14,
      '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2113.',
    )
    const e = toStoreError(raw, { server: 'esdb://localhost:2113', operation: 'append to ticket-T-42' })
    expect(e._tag).toBe('StoreUnavailable')
    expect(e.message).toBe(
      "EventStoreDB at esdb://localhost:2113 is unavailable (append to ticket-T-42): the connection was refused; check that the server is running and listens at that address, and that the connection string's tls setting matches the server's (tls=false for a server run without TLS)",
    )
    expect(e._tag === 'StoreUnavailable' && e.cause).toBe(raw)
    // An error without a message still says what it was.
    expect(toStoreError(new UnavailableError(), { server: 's', operation: 'read $all' }).message).toMatch(
      /unavailable \(read \$all\): unavailable$/,
    )
  })

  it('maps the other failures to the port errors with messages a reader can act on', () => {
    const ctx = { server: 'esdb://db:2113', operation: 'append to ticket-1', stream: 'ticket-1' }
    expect(toStoreError(new AccessDeniedError(), ctx)).toMatchObject({
      _tag: 'StoreUnavailable',
      message: expect.stringMatching(/refused access .*check the user in the connection string/),
    })
    expect(toStoreError(StreamDeletedError.fromStreamName('ticket-1'), ctx)).toMatchObject({
      _tag: 'InvalidEvent',
      message: expect.stringMatching(/stream ticket-1 has been deleted/),
    })
    expect(toStoreError(MaxAppendSizeExceededError.fromMaxAppendSize(1048576), ctx)).toMatchObject({
      _tag: 'InvalidEvent',
      message: expect.stringMatching(/maximum append size \(1048576 bytes\)/),
    })
    expect(toStoreError(new InvalidArgumentError('bad revision'), ctx)).toMatchObject({
      _tag: 'InvalidEvent',
      message: expect.stringMatching(/bad revision/),
    })
    expect(toStoreError(new TypeError('boom'), ctx)).toMatchObject({
      _tag: 'StoreUnavailable',
      message: expect.stringMatching(/unexpected failure talking to EventStoreDB at esdb:\/\/db:2113/),
    })
    const already = invalidEvent('already a port error')
    expect(toStoreError(new StoreFailure(already), ctx)).toBe(already)
  })
})

describe('servers, streams and filters', () => {
  it('names the server without credentials or settings', () => {
    expect(describeServer('esdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113')
    expect(
      describeServer('esdb://admin:changeit@node1:2113,node2:2113,node3:2113?nodePreference=leader'),
    ).toBe('esdb://node1:2113,node2:2113,node3:2113')
    expect(describeServer('esdb+discover://ops:s3cret@cluster.example.com:2113')).toBe(
      'esdb+discover://cluster.example.com:2113',
    )
    expect(describeServer('kurrentdb://admin:changeit@db:2113?tls=false')).toBe('esdb://db:2113')
    expect(describeServer('http://nope')).toMatch(/unreadable connection string/)
    expect(redactCredentials('bad esdb://admin:changeit@db:2113?tls=false')).toBe(
      'bad esdb://***@db:2113?tls=false',
    )
  })

  it('reads the schemes of the renamed server (kurrentdb://, kdb://) as the 6.2.1 client’s esdb://', () => {
    expect(toClientConnectionString('kurrentdb://db:2113?tls=false')).toBe('esdb://db:2113?tls=false')
    expect(toClientConnectionString('KDB+discover://u:p@cluster:2113')).toBe(
      'esdb+discover://u:p@cluster:2113',
    )
    expect(toClientConnectionString('esdb://db:2113')).toBe('esdb://db:2113')
    expect(redactCredentials('kurrentdb://u:p@db:2113')).toBe('kurrentdb://***@db:2113')
  })

  it('filters on Soutien prefixes by default, the caller’s otherwise, never on system streams', () => {
    const defaults = ['organization', 'ticket-', 'major-incident-', 'knowledge-']
    expect(resolvePrefixes(undefined, defaults)).toEqual({ _tag: 'Right', right: defaults })
    expect(resolvePrefixes(['ticket-', 'ticket-'], defaults)).toEqual({ _tag: 'Right', right: ['ticket-'] })
    expect(resolvePrefixes([], defaults)).toEqual({ _tag: 'Right', right: [] })
    const empty = resolvePrefixes([''], defaults)
    expect(isLeft(empty) && empty.left).toMatch(/"" is not a non-empty string/)
    const system = resolvePrefixes(['$ce-'], defaults)
    expect(isLeft(system) && system.left).toMatch(/system streams/)
  })

  it('puts streams under a namespace and takes them back out, refusing names that would be ambiguous', () => {
    expect(esdbStreamName(undefined, 'ticket-1')).toBe('ticket-1')
    expect(esdbStreamName('acme', 'ticket-1')).toBe('acme.ticket-1')
    expect(soutienStreamName('acme', 'acme.organization')).toBe('organization')
    expect(soutienStreamName('acme', 'globex.ticket-1')).toBeUndefined()
    expect(soutienStreamName(undefined, 'ticket-1')).toBe('ticket-1')
    expect(checkNamespace('conf_run-1')).toEqual({ _tag: 'Right', right: 'conf_run-1' })
    for (const bad of ['', 'a.b', '$all', 'x'.repeat(65)]) expect(isLeft(checkNamespace(bad))).toBe(true)
  })

  it('builds the server-side stream-name prefix filter of the client', () => {
    const prefixes = ['ticket-', 'organization']
    const f = prefixFilter(prefixes)
    expect(f).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['ticket-', 'organization'],
      checkpointInterval: 1,
    })
    expect(f.prefixes).not.toBe(prefixes)
  })

  it('delivers Soutien events only: no system streams, no system event types, no other prefixes', () => {
    const p = ['organization', 'ticket-']
    expect(isDeliverable({ streamId: 'ticket-1', type: 'TicketOpened' }, p)).toBe(true)
    expect(isDeliverable({ streamId: 'organization', type: 'SiteRegistered' }, p)).toBe(true)
    expect(isDeliverable({ streamId: '$ce-ticket', type: '$>' }, p)).toBe(false)
    expect(isDeliverable({ streamId: '$$ticket-1', type: '$metadata' }, p)).toBe(false)
    expect(isDeliverable({ streamId: 'ticket-1', type: '$streamDeleted' }, p)).toBe(false)
    expect(isDeliverable({ streamId: 'knowledge-1', type: 'KnowledgeArticleRevised' }, p)).toBe(false)
    expect(isSystemName('$stats-127.0.0.1:2113')).toBe(true)
  })
})

describe('resubscription backoff', () => {
  it('doubles from the initial pause up to the bound', () => {
    const policy = { initialDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 10 }
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => resubscribeDelay(a, policy))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ])
    expect(resubscribeDelay(10_000, policy)).toBe(5_000)
  })

  it('never decreases and never exceeds the bound (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        (initialDelayMs, maxDelayMs, attempt) => {
          const policy = { initialDelayMs, maxDelayMs, maxAttempts: 1 }
          const d = resubscribeDelay(attempt, policy)
          expect(d).toBeLessThanOrEqual(maxDelayMs)
          expect(d).toBeGreaterThanOrEqual(Math.min(initialDelayMs, maxDelayMs))
          expect(resubscribeDelay(attempt + 1, policy)).toBeGreaterThanOrEqual(d)
        },
      ),
    )
  })

  it('by default outlasts a leader election and then reports', () => {
    const total = Array.from({ length: DEFAULT_RESUBSCRIBE.maxAttempts }, (_, a) =>
      resubscribeDelay(a, DEFAULT_RESUBSCRIBE),
    ).reduce((s, d) => s + d, 0)
    expect(total).toBeGreaterThan(60_000)
    expect(total).toBeLessThan(10 * 60_000)
  })
})
