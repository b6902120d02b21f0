/**
 * Business time (domain.md §5). Expected values are worked out by hand in the
 * comments (local time → UTC with the zone's offset that day); the properties
 * then check the algebra and agree with a minute-by-minute reference.
 */
import fc from 'fast-check'
import { isLeft, isRight } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { type Calendar, makeCalendar, type WeeklyPattern } from '../src/domain/calendar.js'
import { referenceBusinessMinutes, referenceOpenMinutes } from './support/reference-calendar.js'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const at = (iso: string): number => {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) throw new Error(`bad instant in test: ${iso}`)
  return t
}
const iso = (t: number): string => new Date(t).toISOString()

const calendar = (weekly: WeeklyPattern, timeZone: string, holidays: readonly string[] = []): Calendar => {
  const r = makeCalendar({ weekly, holidays }, timeZone)
  if (isLeft(r)) throw new Error(`${r.left._tag}: ${r.left.message}`)
  return r.right
}

const OFFICE: readonly (readonly [string, string])[] = [
  ['08:00', '12:00'],
  ['13:30', '18:00'],
]
/** Mon–Fri 08:00–12:00 / 13:30–18:00 (8.5 h a day). */
const officeWeek: WeeklyPattern = { mon: OFFICE, tue: OFFICE, wed: OFFICE, thu: OFFICE, fri: OFFICE }
const everyDay = (intervals: readonly (readonly [string, string])[]): WeeklyPattern => ({
  mon: intervals,
  tue: intervals,
  wed: intervals,
  thu: intervals,
  fri: intervals,
  sat: intervals,
  sun: intervals,
})
const hoursOf = (c: Calendar, date: string): number[] =>
  c.openIntervalsOn(date).map(([s, e]) => (e - s) / HOUR)

describe('business time on an office week (Europe/Paris, CET = UTC+1 in early March)', () => {
  const paris = calendar(officeWeek, 'Europe/Paris')
  // Friday 2026-03-06 17:30 CET = 16:30Z
  const friday1730 = at('2026-03-06T16:30:00Z')

  it('counts Friday 17:30–18:00 and Monday 08:00–10:00: 150 minutes', () => {
    // answered Monday 2026-03-09 10:00 CET = 09:00Z
    expect(paris.businessTime(friday1730, at('2026-03-09T09:00:00Z'))).toBe(150 * MIN)
  })

  it('adds 4 business hours to Friday 17:30: 30 min on Friday, 3 h 30 on Monday → Monday 11:30', () => {
    expect(iso(paris.addBusinessTime(friday1730, 4 * HOUR))).toBe('2026-03-09T10:30:00.000Z')
  })

  it('lands on the end of a stretch, not on the next opening, when the time runs out exactly at closing', () => {
    // Monday 08:00 + 4 h = Monday 12:00 (not 13:30)
    expect(iso(paris.addBusinessTime(at('2026-03-09T07:00:00Z'), 4 * HOUR))).toBe('2026-03-09T11:00:00.000Z')
    // Monday 11:00 + 2 h = 1 h before lunch + 1 h after 13:30 → 14:30 CET = 13:30Z
    expect(iso(paris.addBusinessTime(at('2026-03-09T10:00:00Z'), 2 * HOUR))).toBe('2026-03-09T13:30:00.000Z')
  })

  it('is 0 for an empty or reversed span, and adding 0 leaves the instant unchanged even when closed', () => {
    expect(paris.businessTime(friday1730, friday1730)).toBe(0)
    expect(paris.businessTime(at('2026-03-09T09:00:00Z'), friday1730)).toBe(0)
    const saturday = at('2026-03-07T12:00:00Z')
    expect(paris.addBusinessTime(saturday, 0)).toBe(saturday)
  })

  it('answers isOpen and nextOpening at the edges of intervals', () => {
    expect(paris.isOpen(at('2026-03-09T07:00:00Z'))).toBe(true) // Monday 08:00
    expect(paris.isOpen(at('2026-03-09T06:59:59.999Z'))).toBe(false)
    expect(paris.isOpen(at('2026-03-09T11:00:00Z'))).toBe(false) // 12:00, end excluded
    expect(paris.isOpen(at('2026-03-09T10:59:59.999Z'))).toBe(true)
    expect(paris.nextOpening(at('2026-03-09T11:15:00Z'))).toBe(at('2026-03-09T12:30:00Z')) // → 13:30
    expect(paris.nextOpening(at('2026-03-09T10:00:00Z'))).toBe(at('2026-03-09T10:00:00Z')) // open: itself
    expect(paris.nextOpening(friday1730 + HOUR)).toBe(at('2026-03-09T07:00:00Z')) // Fri 18:30 → Mon 08:00
  })

  it('a week holds 5 × 8.5 h', () => {
    // Monday 2026-03-09 00:00 CET → Monday 2026-03-16 00:00 CET
    expect(paris.businessTime(at('2026-03-08T23:00:00Z'), at('2026-03-15T23:00:00Z'))).toBe(42.5 * HOUR)
  })
})

describe('tickets opened outside hours', () => {
  // Friday 2026-05-01 (Fête du Travail) is a holiday; CEST = UTC+2.
  const paris = calendar(officeWeek, 'Europe/Paris', ['2026-05-01'])

  it('a ticket opened on a holiday starts its clock at the next opening', () => {
    const holiday10h = at('2026-05-01T08:00:00Z') // Friday 10:00 CEST
    expect(paris.isOpen(holiday10h)).toBe(false)
    expect(paris.nextOpening(holiday10h)).toBe(at('2026-05-04T06:00:00Z')) // Monday 08:00 CEST
    // answered Monday 09:00 CEST: only Monday 08:00–09:00 counts
    expect(paris.businessTime(holiday10h, at('2026-05-04T07:00:00Z'))).toBe(60 * MIN)
    // + 4 h: Monday 08:00–12:00 → 12:00 CEST = 10:00Z
    expect(iso(paris.addBusinessTime(holiday10h, 4 * HOUR))).toBe('2026-05-04T10:00:00.000Z')
    expect(paris.openIntervalsOn('2026-05-01')).toEqual([])
  })

  it('a ticket opened Sunday night and answered before Monday opening took 0 business minutes', () => {
    const sunday22h = at('2026-03-08T21:00:00Z') // Sunday 22:00 CET
    expect(paris.businessTime(sunday22h, at('2026-03-09T06:45:00Z'))).toBe(0) // Monday 07:45
    expect(paris.businessTime(sunday22h, at('2026-03-09T07:00:00Z'))).toBe(0) // Monday 08:00 sharp
    expect(paris.businessTime(sunday22h, at('2026-03-09T07:01:00Z'))).toBe(MIN)
  })
})

describe('daylight-saving changes', () => {
  describe('Europe/Paris: 2026-03-29 02:00 CET → 03:00 CEST, 2026-10-25 03:00 CEST → 02:00 CET', () => {
    const allDay = calendar(everyDay([['00:00', '24:00']]), 'Europe/Paris')
    const daytime = calendar(everyDay([['07:00', '19:00']]), 'Europe/Paris')
    const night = calendar(everyDay([['01:00', '04:00']]), 'Europe/Paris')

    it('00:00–24:00 lasts 23 h in spring and 25 h in autumn', () => {
      // 00:00 CET = 03-28T23:00Z; 24:00 CEST = 03-29T22:00Z
      expect(allDay.openIntervalsOn('2026-03-29')).toEqual([
        [at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z')],
      ])
      // 00:00 CEST = 10-24T22:00Z; 24:00 CET = 10-25T23:00Z
      expect(allDay.openIntervalsOn('2026-10-25')).toEqual([
        [at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z')],
      ])
      expect(allDay.businessTime(at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'))).toBe(23 * HOUR)
      expect(allDay.businessTime(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'))).toBe(25 * HOUR)
      // elapsed == business on an always-open calendar, across the change
      expect(allDay.addBusinessTime(at('2026-03-29T00:30:00Z'), 5 * HOUR)).toBe(at('2026-03-29T05:30:00Z'))
    })

    it('07:00–19:00 keeps its 12 h on both change days', () => {
      // 07:00 CEST = 05:00Z … 19:00 CEST = 17:00Z; 07:00 CET = 06:00Z … 19:00 CET = 18:00Z
      expect(daytime.openIntervalsOn('2026-03-29')).toEqual([
        [at('2026-03-29T05:00:00Z'), at('2026-03-29T17:00:00Z')],
      ])
      expect(daytime.openIntervalsOn('2026-10-25')).toEqual([
        [at('2026-10-25T06:00:00Z'), at('2026-10-25T18:00:00Z')],
      ])
      // Monday 03-23 00:00 CET → Monday 03-30 00:00 CEST: 7 × 12 h
      expect(daytime.businessTime(at('2026-03-22T23:00:00Z'), at('2026-03-29T22:00:00Z'))).toBe(84 * HOUR)
    })

    it('an interval straddling the change follows the clocks: 01:00–04:00 is 2 h in spring, 4 h in autumn', () => {
      // 01:00 CET = 00:00Z → 04:00 CEST = 02:00Z
      expect(night.openIntervalsOn('2026-03-29')).toEqual([
        [at('2026-03-29T00:00:00Z'), at('2026-03-29T02:00:00Z')],
      ])
      // 01:00 CEST = 10-24T23:00Z → 04:00 CET = 03:00Z
      expect(night.openIntervalsOn('2026-10-25')).toEqual([
        [at('2026-10-24T23:00:00Z'), at('2026-10-25T03:00:00Z')],
      ])
      expect(hoursOf(night, '2026-03-28')).toEqual([3])
    })

    it('a local time that does not exist acts as the jump; a repeated one takes its first occurrence', () => {
      // 02:00–02:30 never shows on 03-29: empty
      const inGap = calendar({ sun: [['02:00', '02:30']] }, 'Europe/Paris')
      expect(inGap.openIntervalsOn('2026-03-29')).toEqual([])
      expect(hoursOf(inGap, '2026-03-22')).toEqual([0.5])
      // 02:30–04:00 starts when the clocks jump to 03:00 CEST = 01:00Z, ends 04:00 CEST = 02:00Z: 1 h
      const fromGap = calendar({ sun: [['02:30', '04:00']] }, 'Europe/Paris')
      expect(fromGap.openIntervalsOn('2026-03-29')).toEqual([
        [at('2026-03-29T01:00:00Z'), at('2026-03-29T02:00:00Z')],
      ])
      // 02:30–03:15 keeps the 15 min that exist (03:00–03:15 CEST)
      expect(hoursOf(calendar({ sun: [['02:30', '03:15']] }, 'Europe/Paris'), '2026-03-29')).toEqual([0.25])
      // on 10-25, 02:30 first occurs at 02:30 CEST = 00:30Z; until 04:00 CET = 03:00Z: 2 h 30
      expect(fromGap.openIntervalsOn('2026-10-25')).toEqual([
        [at('2026-10-25T00:30:00Z'), at('2026-10-25T03:00:00Z')],
      ])
      // 00:00–02:30 ends at the first 02:30 (CEST): 00:00 CEST = 10-24T22:00Z → 00:30Z
      const untilRepeat = calendar({ sun: [['00:00', '02:30']] }, 'Europe/Paris')
      expect(untilRepeat.openIntervalsOn('2026-10-25')).toEqual([
        [at('2026-10-24T22:00:00Z'), at('2026-10-25T00:30:00Z')],
      ])
    })
  })

  describe('America/New_York: 2026-03-08 02:00 EST → 03:00 EDT, 2026-11-01 02:00 EDT → 01:00 EST', () => {
    const zone = 'America/New_York'

    it('00:00–24:00 lasts 23 h and 25 h', () => {
      const allDay = calendar(everyDay([['00:00', '24:00']]), zone)
      // 00:00 EST = 05:00Z → 24:00 EDT = 03-09T04:00Z
      expect(allDay.openIntervalsOn('2026-03-08')).toEqual([
        [at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z')],
      ])
      // 00:00 EDT = 04:00Z → 24:00 EST = 11-02T05:00Z
      expect(allDay.openIntervalsOn('2026-11-01')).toEqual([
        [at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z')],
      ])
      expect(allDay.businessTime(at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z'))).toBe(25 * HOUR)
    })

    it('07:00–19:00 keeps 12 h', () => {
      const daytime = calendar(everyDay([['07:00', '19:00']]), zone)
      // 07:00 EDT = 11:00Z → 19:00 EDT = 23:00Z; 07:00 EST = 12:00Z → 19:00 EST = 11-02T00:00Z
      expect(daytime.openIntervalsOn('2026-03-08')).toEqual([
        [at('2026-03-08T11:00:00Z'), at('2026-03-08T23:00:00Z')],
      ])
      expect(daytime.openIntervalsOn('2026-11-01')).toEqual([
        [at('2026-11-01T12:00:00Z'), at('2026-11-02T00:00:00Z')],
      ])
    })

    it('01:00–04:00 straddles the change: 2 h in spring, 4 h in autumn', () => {
      const night = calendar(everyDay([['01:00', '04:00']]), zone)
      // 01:00 EST = 06:00Z → 04:00 EDT = 08:00Z
      expect(night.openIntervalsOn('2026-03-08')).toEqual([
        [at('2026-03-08T06:00:00Z'), at('2026-03-08T08:00:00Z')],
      ])
      // 01:00 EDT = 05:00Z (first 01:00) → 04:00 EST = 09:00Z
      expect(night.openIntervalsOn('2026-11-01')).toEqual([
        [at('2026-11-01T05:00:00Z'), at('2026-11-01T09:00:00Z')],
      ])
      // a ticket at 01:30 EST (second 01:30, 06:30Z) is inside the open stretch
      expect(night.isOpen(at('2026-11-01T06:30:00Z'))).toBe(true)
      expect(night.addBusinessTime(at('2026-11-01T06:30:00Z'), 3 * HOUR)).toBe(at('2026-11-02T06:30:00Z'))
    })
  })

  describe('America/Santiago changes at midnight: 2026-04-05 00:00 (−03) → 04-04 23:00 (−04), 2026-09-06 00:00 (−04) → 01:00 (−03)', () => {
    const zone = 'America/Santiago'

    it('the day before the fall-back keeps its repeated last hour; the spring day starts at 01:00', () => {
      const allDay = calendar(everyDay([['00:00', '24:00']]), zone)
      // Saturday 00:00 −03 = 03:00Z → Sunday 00:00, first shown after the repeat, at 00:00 −04 = 04-05T04:00Z
      expect(allDay.openIntervalsOn('2026-04-04')).toEqual([
        [at('2026-04-04T03:00:00Z'), at('2026-04-05T04:00:00Z')],
      ])
      // Sunday 09-06 begins at the jump, 04:00Z (wall 01:00), and ends at Monday 00:00 −03 = 09-07T03:00Z
      expect(allDay.openIntervalsOn('2026-09-06')).toEqual([
        [at('2026-09-06T04:00:00Z'), at('2026-09-07T03:00:00Z')],
      ])
      expect(hoursOf(allDay, '2026-09-05')).toEqual([24])
      // Saturday 20:00–24:00 on 04-04: 20:00 −03 = 23:00Z → 04-05T04:00Z, 5 h
      expect(hoursOf(calendar({ sat: [['20:00', '24:00']] }, zone), '2026-04-04')).toEqual([5])
    })

    it('a holiday closes the repeated hour with the rest of its day', () => {
      const c = calendar(everyDay([['00:00', '24:00']]), zone, ['2026-04-04'])
      expect(c.isOpen(at('2026-04-05T03:30:00Z'))).toBe(false) // second Saturday 23:30 (−04)
      expect(c.nextOpening(at('2026-04-05T03:30:00Z'))).toBe(at('2026-04-05T04:00:00Z')) // Sunday 00:00
    })
  })

  it('follows half-hour zones and half-hour changes (Asia/Kolkata, Australia/Lord_Howe)', () => {
    // Kolkata is UTC+05:30 all year: Monday 2026-03-09 09:00 IST = 03:30Z
    const kolkata = calendar({ mon: [['09:00', '17:00']] }, 'Asia/Kolkata')
    expect(kolkata.openIntervalsOn('2026-03-09')).toEqual([
      [at('2026-03-09T03:30:00Z'), at('2026-03-09T11:30:00Z')],
    ])
    // Lord Howe: 2026-04-05 02:00 (+11) → 01:30 (+10:30); 2026-10-04 02:00 (+10:30) → 02:30 (+11)
    const lordHowe = calendar(everyDay([['00:00', '24:00']]), 'Australia/Lord_Howe')
    // 00:00 +11 = 04-04T13:00Z → 24:00 +10:30 = 04-05T13:30Z
    expect(hoursOf(lordHowe, '2026-04-05')).toEqual([24.5])
    expect(lordHowe.openIntervalsOn('2026-04-05')).toEqual([
      [at('2026-04-04T13:00:00Z'), at('2026-04-05T13:30:00Z')],
    ])
    expect(hoursOf(lordHowe, '2026-10-04')).toEqual([23.5])
  })
})

describe('a calendar open around the clock', () => {
  it('counts elapsed time, hour by hour through a whole year and its clock changes', () => {
    for (const zone of ['America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
      const always = calendar(everyDay([['00:00', '24:00']]), zone)
      const start = at('2026-01-01T00:00:00Z')
      for (let t = start; t < start + 365 * DAY; t += HOUR + 7 * MIN) {
        expect(always.isOpen(t)).toBe(true)
        expect(always.businessTime(t, t + HOUR)).toBe(HOUR)
        expect(always.addBusinessTime(t, 90 * MIN)).toBe(t + 90 * MIN)
      }
      expect(always.businessTime(start, start + 365 * DAY)).toBe(365 * DAY)
    }
  })
})

describe('intervals', () => {
  it('an interval ending at 24:00 runs to the next local midnight and joins the next day', () => {
    // Monday 20:00–24:00, Tuesday 00:00–02:00 (Paris, CET)
    const c = calendar({ mon: [['20:00', '24:00']], tue: [['00:00', '02:00']] }, 'Europe/Paris')
    expect(c.openIntervalsOn('2026-03-09')).toEqual([
      [at('2026-03-09T19:00:00Z'), at('2026-03-09T23:00:00Z')],
    ])
    expect(c.isOpen(at('2026-03-09T22:59:59.999Z'))).toBe(true) // Monday 23:59:59.999
    expect(c.isOpen(at('2026-03-09T23:00:00Z'))).toBe(true) // Tuesday 00:00
    expect(c.isOpen(at('2026-03-10T01:00:00Z'))).toBe(false) // Tuesday 02:00
    // Monday 23:00 + 2 h = Tuesday 01:00 CET = Tuesday 00:00Z
    expect(iso(c.addBusinessTime(at('2026-03-09T22:00:00Z'), 2 * HOUR))).toBe('2026-03-10T00:00:00.000Z')
    // Monday 19:00 → Tuesday 03:00: 4 h + 2 h
    expect(c.businessTime(at('2026-03-09T18:00:00Z'), at('2026-03-10T02:00:00Z'))).toBe(6 * HOUR)
  })

  it('sorts and merges overlapping, unsorted or touching intervals of a day', () => {
    const c = calendar(
      {
        mon: [
          ['13:30', '18:00'],
          ['08:00', '12:00'],
          ['11:00', '12:30'],
        ],
        tue: [
          ['08:00', '12:00'],
          ['12:00', '14:00'],
        ],
      },
      'Europe/Paris',
    )
    // Monday 08:00–12:30 and 13:30–18:00 CET
    expect(c.openIntervalsOn('2026-03-09')).toEqual([
      [at('2026-03-09T07:00:00Z'), at('2026-03-09T11:30:00Z')],
      [at('2026-03-09T12:30:00Z'), at('2026-03-09T17:00:00Z')],
    ])
    expect(c.openIntervalsOn('2026-03-10')).toEqual([
      [at('2026-03-10T07:00:00Z'), at('2026-03-10T13:00:00Z')],
    ])
    expect(c.businessTime(at('2026-03-09T00:00:00Z'), at('2026-03-11T00:00:00Z'))).toBe(9 * HOUR + 6 * HOUR)
  })
})

describe('refused support hours', () => {
  const tagOf = (weekly: WeeklyPattern, zone = 'Europe/Paris', holidays: readonly string[] = []) => {
    const r = makeCalendar({ weekly, holidays }, zone)
    return isLeft(r) ? r.left : undefined
  }

  it('a weekly pattern with no open minute is a ClosedCalendar', () => {
    expect(tagOf({})?._tag).toBe('ClosedCalendar')
    expect(tagOf({ mon: [], sat: [] })?._tag).toBe('ClosedCalendar')
  })

  it('an unknown time zone is an InvalidTimeZone naming it', () => {
    const e = tagOf(officeWeek, 'Europe/Pariss')
    expect(e?._tag).toBe('InvalidTimeZone')
    expect(e?.message).toContain('Europe/Pariss')
    expect(tagOf(officeWeek, '')?._tag).toBe('InvalidTimeZone')
  })

  it('an interval that does not start before it ends is InvalidHours naming the day and the interval', () => {
    const e = tagOf({
      mon: [['08:00', '12:00']],
      wed: [
        ['08:00', '12:00'],
        ['18:00', '08:00'],
      ],
    })
    expect(e?._tag).toBe('InvalidHours')
    expect(e?.message).toContain('weekly.wed[1]')
    expect(e?.message).toContain('["18:00","08:00"]')
    expect(tagOf({ mon: [['09:00', '09:00']] })?._tag).toBe('InvalidHours')
    expect(tagOf({ mon: [['24:00', '24:00']] })?._tag).toBe('InvalidHours')
  })

  it('malformed times, days and holidays are InvalidHours naming the field', () => {
    expect(tagOf({ mon: [['8:00', '12:00']] })?.message).toContain('weekly.mon[0]')
    expect(tagOf({ mon: [['08:00', '24:30']] })?._tag).toBe('InvalidHours')
    const unknownDay = tagOf({ monday: [['08:00', '12:00']] } as unknown as WeeklyPattern)
    expect(unknownDay?._tag).toBe('InvalidHours')
    expect(unknownDay?.message).toContain('monday')
    const badHoliday = tagOf(officeWeek, 'Europe/Paris', ['2026-05-01', '2026-02-30'])
    expect(badHoliday?._tag).toBe('InvalidHours')
    expect(badHoliday?.message).toContain('holidays[1]')
    expect(badHoliday?.message).toContain('2026-02-30')
  })

  it('accepts the WeeklyHours of a SupportHoursSet event', () => {
    expect(isRight(makeCalendar({ weekly: officeWeek, holidays: ['2026-12-25'] }, 'Europe/Paris'))).toBe(true)
  })

  it('stops searching after 10 years when holidays close every open day (a programmer error, thrown)', () => {
    // open on Mondays only, and every Monday from 2026-03-09 for 11 years is a holiday
    const mondays = Array.from({ length: 11 * 53 }, (_, i) =>
      iso(at('2026-03-09T00:00:00Z') + i * 7 * DAY).slice(0, 10),
    )
    const c = calendar({ mon: [['08:00', '12:00']] }, 'Europe/Paris', mondays)
    expect(() => c.addBusinessTime(at('2026-03-09T00:00:00Z'), HOUR)).toThrow(/10 years/)
    expect(() => c.nextOpening(at('2026-03-09T00:00:00Z'))).toThrow(/10 years/)
    // the span itself is simply closed
    expect(c.businessTime(at('2026-03-09T00:00:00Z'), at('2030-01-01T00:00:00Z'))).toBe(0)
  })

  it('throws on instants or durations that are not numbers (programmer errors)', () => {
    const c = calendar(officeWeek, 'Europe/Paris')
    expect(() => c.addBusinessTime(Number.NaN, HOUR)).toThrow(RangeError)
    expect(() => c.addBusinessTime(0, -1)).toThrow(RangeError)
    expect(() => c.openIntervalsOn('2026-13-01')).toThrow(RangeError)
  })
})

describe('the reference calendar used below', () => {
  it('gives the hand-worked answers too', () => {
    const ref = { weekly: officeWeek, holidays: ['2026-05-01'] }
    // Friday 17:30 CET → Monday 10:00 CET: 150 min
    expect(
      referenceBusinessMinutes(ref, 'Europe/Paris', at('2026-03-06T16:30:00Z'), at('2026-03-09T09:00:00Z')),
    ).toBe(150)
    // the holiday Friday 10:00 CEST → Monday 09:00 CEST: 60 min
    expect(
      referenceBusinessMinutes(ref, 'Europe/Paris', at('2026-05-01T08:00:00Z'), at('2026-05-04T07:00:00Z')),
    ).toBe(60)
    // 01:00–04:00 on New York's fall-back Sunday: 4 h
    const night = { weekly: everyDay([['01:00', '04:00']]), holidays: [] }
    expect(
      referenceBusinessMinutes(
        night,
        'America/New_York',
        at('2026-11-01T04:00:00Z'),
        at('2026-11-01T12:00:00Z'),
      ),
    ).toBe(240)
  })
})

// ---- properties ------------------------------------------------------------------------

/**
 * Each zone with the 2026 dates of its clock changes (a quiet date for zones
 * without) and the local minutes of day where its clocks jump or repeat, so
 * that random interval boundaries often fall in a gap or a repeated hour.
 */
const ZONES: Readonly<
  Record<string, { readonly dates: readonly string[]; readonly hot: readonly [number, number] }>
> = {
  'Europe/Paris': { dates: ['2026-03-29', '2026-10-25'], hot: [120, 180] },
  'America/New_York': { dates: ['2026-03-08', '2026-11-01'], hot: [60, 180] },
  'Asia/Kolkata': { dates: ['2026-06-15'], hot: [0, 60] },
  'Australia/Lord_Howe': { dates: ['2026-04-05', '2026-10-04'], hot: [90, 150] },
  'Pacific/Chatham': { dates: ['2026-04-05', '2026-09-27'], hot: [165, 225] },
  // changes at local midnight: 04-05 00:00 → 04-04 23:00, 09-06 00:00 → 01:00
  'America/Santiago': { dates: ['2026-04-05', '2026-09-06'], hot: [1380, 1500] },
  UTC: { dates: ['2026-06-15'], hot: [0, 60] },
}
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
const hhmm = (m: number): string =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`

/** A minute of day (0–1440), often in the zone's hot range (wrapping past midnight) or at midnight. */
const minuteOfDay = ([lo, hi]: readonly [number, number]) =>
  fc.oneof(
    fc.integer({ min: 0, max: 1440 }),
    fc.integer({ min: lo / 5, max: hi / 5 }).map((q) => (q * 5 > 1440 ? q * 5 - 1440 : q * 5)),
    fc.constantFrom(0, 1440),
  )
const weeklyPattern = (hot: readonly [number, number]): fc.Arbitrary<WeeklyPattern> =>
  fc
    .tuple(
      ...DAYS.map(() =>
        fc.option(
          fc.array(
            fc
              .tuple(minuteOfDay(hot), minuteOfDay(hot))
              .filter(([x, y]) => x !== y)
              .map(([x, y]) => [hhmm(Math.min(x, y)), hhmm(Math.max(x, y))] as const),
            { maxLength: 3 },
          ),
          { nil: undefined, freq: 4 },
        ),
      ),
    )
    .map((days) => {
      const w: Record<string, readonly (readonly [string, string])[]> = {}
      days.forEach((d, i) => {
        if (d !== undefined) w[DAYS[i]!] = d
      })
      return w as WeeklyPattern
    })
    .filter((w) => Object.values(w).some((d) => d !== undefined && d.length > 0))

/**
 * A random calendar in a random zone, with an anchor instant on one of that
 * zone's clock-change dates; holidays and instants fall within days of it.
 */
const arbCalendar = fc
  .constantFrom(...Object.keys(ZONES))
  .chain((zone) => {
    const { dates, hot } = ZONES[zone]!
    return fc.record({
      zone: fc.constant(zone),
      anchor: fc.constantFrom(...dates).map((d) => at(`${d}T00:00:00Z`)),
      weekly: weeklyPattern(hot),
      offsets: fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }),
    })
  })
  .map(({ zone, anchor, weekly, offsets }) => {
    const holidays = offsets.map((k) => iso(anchor + k * DAY).slice(0, 10))
    return { zone, anchor, weekly, holidays, cal: calendar(weekly, zone, holidays) }
  })
/** A calendar and an instant within ±2 days of its anchor, to the millisecond. */
const withInstant = arbCalendar.chain((c) =>
  fc.tuple(
    fc.constant(c),
    fc.integer({ min: -2 * DAY, max: 2 * DAY }).map((k) => c.anchor + k),
  ),
)
const duration = fc.oneof(fc.integer({ min: 0, max: 4 * HOUR }), fc.integer({ min: 0, max: 20 * DAY }))
const RUNS = { numRuns: 300 }

describe('properties of business time', () => {
  it('is additive: businessTime(a, c) = businessTime(a, b) + businessTime(b, c) for a ≤ b ≤ c', () => {
    fc.assert(
      fc.property(withInstant, fc.nat(10 * DAY), fc.nat(10 * DAY), ([{ cal }, a], x, y) => {
        const b = a + x
        const c = b + y
        expect(cal.businessTime(a, c)).toBe(cal.businessTime(a, b) + cal.businessTime(b, c))
        expect(cal.businessTime(a, b)).toBeLessThanOrEqual(b - a)
      }),
      RUNS,
    )
  })

  it('addBusinessTime inverts businessTime and returns the earliest such instant, at the end of an open stretch', () => {
    fc.assert(
      fc.property(withInstant, duration, ([{ cal }, a], d) => {
        const t = cal.addBusinessTime(a, d)
        expect(t).toBeGreaterThanOrEqual(a)
        expect(cal.businessTime(a, t)).toBe(d)
        if (d > 0) {
          // precisely: one ms earlier, one ms of business time is missing, and that ms was open
          expect(cal.businessTime(a, t - 1)).toBe(d - 1)
          expect(cal.isOpen(t - 1)).toBe(true)
        } else expect(t).toBe(a)
      }),
      RUNS,
    )
  })

  it('addBusinessTime(a, businessTime(a, b)) never overshoots b (it stops where the last open stretch ended)', () => {
    fc.assert(
      fc.property(withInstant, fc.nat(6 * DAY), ([{ cal }, a], span) => {
        const b = a + span
        const t = cal.addBusinessTime(a, cal.businessTime(a, b))
        expect(t).toBeLessThanOrEqual(b)
        expect(cal.businessTime(t, b)).toBe(0)
      }),
      RUNS,
    )
  })

  it('addBusinessTime is monotonic in the duration and in the start', () => {
    fc.assert(
      fc.property(withInstant, fc.nat(3 * DAY), duration, duration, ([{ cal }, a], gap, d1, d2) => {
        const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1]
        expect(cal.addBusinessTime(a, lo)).toBeLessThanOrEqual(cal.addBusinessTime(a, hi))
        expect(cal.addBusinessTime(a, d1)).toBeLessThanOrEqual(cal.addBusinessTime(a + gap, d1))
      }),
      RUNS,
    )
  })

  it('isOpen, nextOpening and openIntervalsOn agree with businessTime', () => {
    fc.assert(
      fc.property(withInstant, ([{ cal }, t]) => {
        expect(cal.isOpen(t)).toBe(cal.businessTime(t, t + 1) === 1)
        const next = cal.nextOpening(t)
        expect(next).toBeGreaterThanOrEqual(t)
        expect(cal.isOpen(next)).toBe(true)
        expect(cal.businessTime(t, next)).toBe(0)
        let previousEnd = Number.NEGATIVE_INFINITY
        for (const [s, e] of cal.openIntervalsOn(iso(t).slice(0, 10))) {
          expect(s).toBeGreaterThanOrEqual(previousEnd)
          expect(e).toBeGreaterThan(s)
          expect(cal.businessTime(s, e)).toBe(e - s)
          previousEnd = e
        }
      }),
      RUNS,
    )
  })

  it('does not depend on how a day is written: splitting and shuffling intervals changes nothing', () => {
    const toMin = (x: string) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3))
    fc.assert(
      fc.property(withInstant, fc.nat(5 * DAY), ([{ weekly, holidays, zone, cal }, a], span) => {
        const rewritten: Record<string, readonly (readonly [string, string])[]> = {}
        for (const [day, list] of Object.entries(weekly) as [
          string,
          readonly (readonly [string, string])[],
        ][]) {
          const split = list.flatMap(([s, e]): (readonly [string, string])[] => {
            const mid = Math.floor((toMin(s) + toMin(e)) / 2)
            return mid > toMin(s)
              ? [
                  [s, hhmm(mid)],
                  [hhmm(mid), e],
                ]
              : [[s, e]]
          })
          rewritten[day] = [...split].reverse()
        }
        const other = calendar(rewritten as WeeklyPattern, zone, holidays)
        expect(other.businessTime(a, a + span)).toBe(cal.businessTime(a, a + span))
      }),
      { numRuns: 100 },
    )
  })

  it('agrees minute by minute with the naive reference calendar', () => {
    fc.assert(
      fc.property(
        withInstant,
        fc.integer({ min: 0, max: 3 * 24 * 60 }),
        ([{ weekly, holidays, zone, cal }, t], minutes) => {
          const a = Math.floor(t / MIN) * MIN
          const b = a + minutes * MIN
          const open = referenceOpenMinutes({ weekly, holidays }, zone, a, b)
          expect(cal.businessTime(a, b)).toBe(open.filter((o) => o).length * MIN)
          const mismatch = open.findIndex((o, i) => cal.isOpen(a + i * MIN) !== o)
          expect(mismatch === -1 ? 'agree' : `differ at ${iso(a + mismatch * MIN)}`).toBe('agree')
        },
      ),
      { numRuns: 200 },
    )
  })
})
