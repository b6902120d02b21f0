/**
 * Upcasters turn an event's data written at an older schema version into the
 * current one, on read. Each step goes from version n to n + 1; reading chains
 * them. The stored event is never rewritten: history stays as it was written.
 */
import { isLeft } from 'fp-ts/lib/Either.js'
import { currentVersion, DEFAULT_QUALITY_THRESHOLDS, type EventType, SupportPolicySetV1 } from './events.js'

type Step = (data: unknown) => unknown

/** upcasters[type][n] turns version n into version n + 1. */
export const upcasters: Partial<Record<EventType, Record<number, Step>>> = {
  SupportPolicySet: {
    // v1 let three fields default; v2 records them. The defaults are those of
    // domain.md §4 and §6 at the time v1 was written, frozen here.
    1: (data) => {
      const r = SupportPolicySetV1.decode(data)
      if (isLeft(r)) return data // let the v2 codec report the problem with its path
      const v1 = r.right
      return {
        responseTarget: v1.responseTarget ?? 'PT4H',
        escalationDelays: v1.escalationDelays,
        resolutionTargets: v1.resolutionTargets,
        majorIncidentBulletinTarget: v1.majorIncidentBulletinTarget ?? 'PT24H',
        qualityThresholds: v1.qualityThresholds ?? DEFAULT_QUALITY_THRESHOLDS,
      }
    },
  },
}

export class UpcastError extends Error {}

/** Bring `data` of `type` written at `version` to the current version. */
export const upcast = (type: EventType, version: number, data: unknown): unknown => {
  const target = currentVersion[type]
  let d = data
  for (let v = version; v < target; v++) {
    const step = upcasters[type]?.[v]
    if (step === undefined) throw new UpcastError(`no upcaster for ${type} v${v} → v${v + 1}`)
    d = step(d)
  }
  return d
}
