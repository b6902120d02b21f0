/**
 * The HTML report opened in headless Chromium, driven through the DevTools
 * protocol (`--remote-debugging-pipe`): its charts render (SVG elements laid
 * out with a real size, a screenshot that is not blank), with no console
 * error, no script error and no request leaving the file. A control page that
 * does all three proves the checks see them. Skipped, saying why, when
 * Chromium is not installed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable, type Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../src/cli/io.js'
import { main } from '../src/cli/main.js'

const CHROMIUM = [
  process.env.CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
]
  .filter((p): p is string => p !== undefined && p !== '')
  .find((p) => existsSync(p))
if (CHROMIUM === undefined)
  console.warn(
    'cli.html.test.ts skipped: Chromium is not installed (apt-get install chromium, or set CHROMIUM)',
  )

interface CdpMessage {
  readonly id?: number
  readonly method?: string
  readonly sessionId?: string
  readonly params?: Record<string, unknown>
  readonly result?: Record<string, unknown>
  readonly error?: { readonly message: string }
}

/** A minimal DevTools protocol client over the pipe (messages separated by NUL). */
const launch = (exe: string, profile: string) => {
  const child: ChildProcess = spawn(
    exe,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  )
  child.stderr?.resume() // Chromium's own chatter (dbus…) is not the page's.
  const input = child.stdio[3] as Writable
  const output = child.stdio[4] as Readable
  const pending = new Map<number, { ok: (r: Record<string, unknown>) => void; ko: (e: Error) => void }>()
  const listeners: ((m: CdpMessage) => void)[] = []
  let buffer = ''
  let nextId = 1
  output.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let end = buffer.indexOf('\0'); end >= 0; end = buffer.indexOf('\0')) {
      const m = JSON.parse(buffer.slice(0, end)) as CdpMessage
      buffer = buffer.slice(end + 1)
      if (m.id !== undefined) {
        const p = pending.get(m.id)
        pending.delete(m.id)
        if (m.error !== undefined) p?.ko(new Error(m.error.message))
        else p?.ok(m.result ?? {})
      } else for (const l of listeners) l(m)
    }
  })
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((ok, ko) => {
      const id = nextId++
      pending.set(id, { ok, ko })
      input.write(
        `${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`,
      )
    })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  /** Close the browser and wait for it to be gone (it writes its profile until then). */
  const close = async () => {
    void send('Browser.close').catch(() => undefined)
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  return { send, on: (l: (m: CdpMessage) => void) => listeners.push(l), close }
}

interface PageVisit {
  /** Console errors, uncaught exceptions, failed loads, requests leaving the file. */
  readonly problems: readonly string[]
  readonly charts: { readonly count: number; readonly laidOut: number; readonly marks: number }
  readonly screenshot: Buffer
}

/** Open a file in a fresh tab, wait for its load, and report what happened. */
const visit = async (browser: ReturnType<typeof launch>, path: string): Promise<PageVisit> => {
  const { targetId } = (await browser.send('Target.createTarget', { url: 'about:blank' })) as {
    targetId: string
  }
  const { sessionId } = (await browser.send('Target.attachToTarget', { targetId, flatten: true })) as {
    sessionId: string
  }
  const problems: string[] = []
  let loaded: () => void = () => {}
  const load = new Promise<void>((r) => {
    loaded = r
  })
  const url = pathToFileURL(path).href
  browser.on((m) => {
    if (m.sessionId !== sessionId) return
    const p = m.params ?? {}
    if (m.method === 'Page.loadEventFired') loaded()
    if (m.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
      problems.push(`console.${String(p.type)}: ${JSON.stringify(p.args)}`)
    if (m.method === 'Runtime.exceptionThrown')
      problems.push(`exception: ${JSON.stringify(p.exceptionDetails)}`)
    if (m.method === 'Log.entryAdded') {
      const entry = p.entry as { level: string; text: string }
      if (entry.level === 'error') problems.push(`log: ${entry.text}`)
    }
    if (m.method === 'Network.requestWillBeSent') {
      const u = (p.request as { url: string }).url
      if (u !== url && !u.startsWith('data:')) problems.push(`request: ${u}`)
    }
  })
  for (const domain of ['Page', 'Runtime', 'Log', 'Network'])
    await browser.send(`${domain}.enable`, {}, sessionId)
  await browser.send(
    'Emulation.setDeviceMetricsOverride',
    { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false },
    sessionId,
  )
  await browser.send('Page.navigate', { url }, sessionId)
  await Promise.race([
    load,
    new Promise((_, ko) => setTimeout(() => ko(new Error(`${path} did not load`)), 20_000)),
  ])
  const evaluated = (await browser.send(
    'Runtime.evaluate',
    {
      expression: `JSON.stringify({
        count: document.querySelectorAll('svg').length,
        laidOut: [...document.querySelectorAll('svg')].filter((s) => s.getBoundingClientRect().width > 300 && s.getBoundingClientRect().height > 20).length,
        marks: document.querySelectorAll('svg polyline, svg circle, svg rect').length,
      })`,
      returnByValue: true,
    },
    sessionId,
  )) as { result: { value: string } }
  const shot = (await browser.send(
    'Page.captureScreenshot',
    { format: 'png', captureBeyondViewport: true },
    sessionId,
  )) as {
    data: string
  }
  await browser.send('Target.closeTarget', { targetId })
  return {
    problems,
    charts: JSON.parse(evaluated.result.value),
    screenshot: Buffer.from(shot.data, 'base64'),
  }
}

const cli = (argv: readonly string[]): Promise<number> => {
  const sink = () => new PassThrough().resume()
  const io: CliIO = { stdout: sink(), stderr: sink(), stdin: Readable.from(['']), env: {} }
  return main(argv, io)
}

describe.skipIf(CHROMIUM === undefined)('the HTML report in headless Chromium', () => {
  let dir: string
  let browser: ReturnType<typeof launch>
  let report: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soutien-html-'))
    const history = join(dir, 'history.ndjson')
    expect(await cli(['simulate', '--seed', '3', '--tickets', '120', '--out', history])).toBe(0)
    report = join(dir, 'report.html')
    // As of mid-way, so that the backlog is not empty.
    expect(
      await cli(['report', history, '--format', 'html', '--as-of', '2026-03-18T12:00:00Z', '--out', report]),
    ).toBe(0)
    browser = launch(CHROMIUM!, join(dir, 'profile'))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  })

  it('sees console errors, script errors and network requests on a page that has them', async () => {
    const control = join(dir, 'control.html')
    writeFileSync(
      control,
      '<!DOCTYPE html><html><body><img src="http://soutien.invalid/logo.png"><script>console.error("boom"); undefinedFunction()</script></body></html>',
    )
    const v = await visit(browser, control)
    expect(v.problems.some((p) => p.startsWith('console.error') && p.includes('boom'))).toBe(true)
    expect(v.problems.some((p) => p.startsWith('exception') && p.includes('undefinedFunction'))).toBe(true)
    expect(v.problems).toContain('request: http://soutien.invalid/logo.png')
  }, 60_000)

  it('renders every chart, with no console error and no request leaving the file', async () => {
    const v = await visit(browser, report)
    expect(v.problems).toEqual([])
    const html = readFileSync(report, 'utf8')
    const inFile = html.match(/<svg /g)?.length ?? 0
    expect(inFile).toBeGreaterThanOrEqual(8)
    expect(v.charts.count).toBe(inFile)
    expect(v.charts.laidOut).toBe(inFile)
    expect(v.charts.marks).toBeGreaterThan(50)
    // A full-page PNG of the report: 1200 px wide, taller than a screen, not blank.
    expect(v.screenshot.subarray(1, 4).toString()).toBe('PNG')
    expect(v.screenshot.readUInt32BE(16)).toBe(1200)
    expect(v.screenshot.readUInt32BE(20)).toBeGreaterThan(2000)
    expect(v.screenshot.length).toBeGreaterThan(100_000)
    writeFileSync(join(dir, 'report.png'), v.screenshot)
  }, 60_000)
})
