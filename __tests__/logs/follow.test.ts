import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { followLogs } from '../../src/logs/follow.js'
import {
  LineSplitter,
  LogDeduper,
  sinceTimeFor,
  splitTimestamp,
  timestampKey
} from '../../src/logs/lines.js'
import { FakeKube, runningPod } from '../../__fixtures__/fake-kube.js'
import { FakeClock } from '../../__fixtures__/fake-clock.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const tmpLog = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ict-follow-')), 'tests.log')

/** Follows a running pod through two log reads (the stream, then the tail), lines into `seen`. */
function followTwoReads(kube: FakeKube, file: string, seen: string[]) {
  return followLogs(
    kube,
    {
      namespace: 'ns',
      container: 'tests',
      pod: () => runningPod(),
      finished: () => kube.logCalls.length >= 2
    },
    file,
    (l) => seen.push(l),
    new FakeClock(),
    new FakeLogger()
  )
}

describe('log lines', () => {
  it('splits the kubelet timestamp off', () => {
    expect(splitTimestamp('2026-11-25T04:00:01.123456789Z === RUN   TestA')).toEqual({
      timestamp: '2026-11-25T04:00:01.123456789Z',
      text: '=== RUN   TestA'
    })
    expect(splitTimestamp('no timestamp')).toEqual({ timestamp: '', text: 'no timestamp' })
    expect(splitTimestamp('2026-11-25T04:00:01Z ')).toEqual({
      timestamp: '2026-11-25T04:00:01Z',
      text: ''
    })
  })

  it('orders RFC3339Nano times although trailing zeros are dropped', () => {
    expect(
      timestampKey('2026-11-25T04:00:01.5Z') > timestampKey('2026-11-25T04:00:01.123456789Z')
    ).toBe(true)
    expect(
      timestampKey('2026-11-25T04:00:01Z') < timestampKey('2026-11-25T04:00:01.000000001Z')
    ).toBe(true)
    expect(sinceTimeFor('2026-11-25T04:00:01.5Z')).toBe('2026-11-25T04:00:01Z')
  })

  it('assembles lines across chunks and drops CR', () => {
    const s = new LineSplitter()
    expect(s.push('a\r\nb')).toEqual(['a'])
    expect(s.push('c\nd')).toEqual(['bc'])
    expect(s.flush()).toEqual(['d'])
    expect(s.flush()).toEqual([])
  })

  it('drops exactly the repeated lines after a reconnect, even with equal timestamps', () => {
    const d = new LogDeduper()
    const ts = '2026-11-25T04:00:01.100Z'
    const first = [`2026-11-25T04:00:00.9Z a`, `${ts} x`, `${ts} x`].map(splitTimestamp)
    expect(first.map((l) => d.accept(l))).toEqual([true, true, true])
    d.reconnecting()
    const again = [
      `2026-11-25T04:00:00.9Z a`,
      `${ts} x`,
      `${ts} x`,
      `${ts} x`,
      `2026-11-25T04:00:02Z b`
    ].map(splitTimestamp)
    expect(again.map((l) => d.accept(l))).toEqual([false, false, false, true, true])
  })
})

describe('LogDeduper with stdout and stderr interleaved', () => {
  // The kubelet timestamps each stream as it reads its pipe: in the file (and the stream) a
  // stderr line can come after a stdout line that has a later time.
  const interleaved = [
    '2026-11-25T04:00:00.900Z === RUN   TestA',
    '2026-11-25T04:00:01.002Z 2026/11/25 04:00:01 from log (stderr)',
    '2026-11-25T04:00:00.999Z     a_test.go:10: from t.Log (stdout)',
    '2026-11-25T04:00:01.001Z --- PASS: TestA (0.10s)',
    '2026-11-25T04:00:01.500Z same',
    '2026-11-25T04:00:01.500Z same',
    '2026-11-25T04:00:01.400Z PASS'
  ]

  it('keeps every line of a normal stream, whatever the order of their times', () => {
    const d = new LogDeduper()
    expect(interleaved.map((l) => d.accept(splitTimestamp(l)))).toEqual(interleaved.map(() => true))
  })

  it('after a reconnect at any line, skips exactly what the kubelet sends again', () => {
    for (let cut = 1; cut < interleaved.length; cut++) {
      const d = new LogDeduper()
      const seen: string[] = []
      for (const l of interleaved.slice(0, cut)) if (d.accept(splitTimestamp(l))) seen.push(l)
      // The kubelet resends, in file order, every line at or after sinceTime.
      const since = d.sinceTime()!
      d.reconnecting()
      for (const l of interleaved) {
        const line = splitTimestamp(l)
        if (timestampKey(line.timestamp) < timestampKey(since)) continue
        if (d.accept(line)) seen.push(l)
      }
      expect({ cut, seen }).toEqual({ cut, seen: interleaved })
    }
  })

  it('reads again from a second before the latest one, for a line whose time is earlier', () => {
    const d = new LogDeduper()
    d.accept(splitTimestamp('2026-11-25T04:00:01.001Z late stderr line'))
    // Still to come: '2026-11-25T04:00:00.999Z' on stdout; a sinceTime of 04:00:01 would lose it.
    expect(d.sinceTime()).toBe('2026-11-25T04:00:00Z')
    expect(d.last).toBe('2026-11-25T04:00:01.001Z')
  })

  it('after the replay, a line equal to an old one is new', () => {
    const d = new LogDeduper()
    const a = splitTimestamp('2026-11-25T04:00:00.5Z x')
    expect(d.accept(a)).toBe(true)
    d.reconnecting()
    expect(d.accept(a)).toBe(false)
    expect(d.accept(splitTimestamp('2026-11-25T04:00:00.6Z y'))).toBe(true)
    // Not a repeat any more: the replay ended at the first new line.
    expect(d.accept(a)).toBe(true)
  })

  it('forgets lines older than the reconnect window', () => {
    const d = new LogDeduper()
    const base = Date.parse('2026-11-25T04:00:00Z')
    for (let i = 0; i < 5000; i++)
      d.accept(splitTimestamp(`${new Date(base + i * 1000 + 100).toISOString()} line ${i}`))
    expect((d as unknown as { inWindow: Map<string, number> }).inWindow.size).toBeLessThanOrEqual(2)
  })
})

describe('followLogs', () => {
  it('reconnects with sinceTime when the stream closes early, without loss or duplicates', async () => {
    const kube = new FakeKube()
    kube.logReads = [
      ['2026-11-25T04:00:00.1Z === RUN   TestA\n2026-11-25T04:00:00.2Z --- PA'],
      // The kubelet closed the stream mid-line; the reconnect from second 04:00:00 sends it all again.
      [
        '2026-11-25T04:00:00.1Z === RUN   TestA\n2026-11-25T04:00:00.2Z --- PASS: TestA (0.10s)\n2026-11-25T04:00:01.3Z PASS\n'
      ],
      ['2026-11-25T04:00:01.3Z PASS\n2026-11-25T04:00:01.4Z coverage: 50.0% of statements\n']
    ]
    const file = tmpLog()
    const seen: string[] = []
    const r = await followTwoReads(kube, file, seen)
    const expected = [
      '=== RUN   TestA',
      '--- PASS: TestA (0.10s)',
      'PASS',
      'coverage: 50.0% of statements'
    ]
    expect(seen).toEqual(expected)
    expect(fs.readFileSync(file, 'utf8')).toBe(expected.join('\n') + '\n')
    expect(kube.logCalls.map((c) => [c.follow, c.sinceTime])).toEqual([
      [true, undefined],
      [true, '2026-11-25T03:59:59Z'],
      [false, '2026-11-25T04:00:00Z']
    ])
    expect(r).toEqual({ lines: 4, reconnects: 2, podGone: false })
  })

  it('keeps what it read when the pod is deleted mid-stream', async () => {
    const kube = new FakeKube()
    kube.logReads = [
      ['2026-11-25T04:00:00.1Z === RUN   TestSlow\n'],
      Object.assign(new Error('pods "tests-1" not found'), { code: 404 })
    ]
    const file = tmpLog()
    const log = new FakeLogger()
    const r = await followLogs(
      kube,
      { namespace: 'ns', container: 'tests', pod: () => runningPod(), finished: () => false },
      file,
      () => undefined,
      new FakeClock(),
      log
    )
    expect(r.podGone).toBe(true)
    expect(fs.readFileSync(file, 'utf8')).toBe('=== RUN   TestSlow\n')
    expect(log.text('warning')).toMatch(/is gone; its log up to here is kept/)
  })

  it('keeps a last line without a newline at the end of the final read', async () => {
    const kube = new FakeKube()
    kube.logReads = [['2026-11-25T04:00:00.1Z coverage: 1.0% of statements']]
    const file = tmpLog()
    await followLogs(
      kube,
      { namespace: 'ns', container: 'tests', pod: () => runningPod(), finished: () => true },
      file,
      () => undefined,
      new FakeClock(),
      new FakeLogger()
    )
    expect(fs.readFileSync(file, 'utf8')).toBe('coverage: 1.0% of statements\n')
  })

  it('waits for the container to start before reading', async () => {
    const kube = new FakeKube()
    kube.logReads = [['2026-11-25T04:00:00.1Z hello\n']]
    let calls = 0
    const pending = {
      metadata: { name: 'tests-1' },
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'tests', state: { waiting: { reason: 'ContainerCreating' } } }]
      }
    }
    const r = await followLogs(
      kube,
      {
        namespace: 'ns',
        container: 'tests',
        pod: () => (++calls < 3 ? pending : runningPod()),
        finished: () => calls >= 3
      },
      tmpLog(),
      () => undefined,
      new FakeClock(),
      new FakeLogger()
    )
    expect(kube.logCalls).toHaveLength(1)
    expect(r.lines).toBe(1)
  })
})

describe('followLogs when the Job finishes while the stream is open', () => {
  it('cuts the follow stream and reads the tail instead of waiting for the container', async () => {
    // A stream that only ends when aborted: a pod in its termination grace period, or an API
    // server that stopped answering.
    const calls: Array<{ follow: boolean; sinceTime?: string }> = []
    let finished = false
    const kube = new FakeKube()
    kube.streamLog = async (_ns, _pod, _c, o, onData) => {
      calls.push({ follow: o.follow, sinceTime: o.sinceTime })
      if (!o.follow) return onData('2026-11-25T05:37:48.1Z started\n2026-11-25T05:37:50.0Z tail\n')
      onData('2026-11-25T05:37:48.1Z started\n')
      finished = true
      await new Promise<void>((resolve) => o.signal?.addEventListener('abort', () => resolve()))
    }
    const file = tmpLog()
    const clock = new FakeClock()
    const r = await followLogs(
      kube,
      { namespace: 'ns', container: 'tests', pod: () => runningPod(), finished: () => finished },
      file,
      () => undefined,
      clock,
      new FakeLogger()
    )
    expect(fs.readFileSync(file, 'utf8')).toBe('started\ntail\n')
    expect(calls).toEqual([
      { follow: true, sinceTime: undefined },
      { follow: false, sinceTime: '2026-11-25T05:37:47Z' }
    ])
    expect(r.lines).toBe(2)
  })
})

describe('followLogs on a silent stream', () => {
  it('recycles a follow stream that has sent nothing for a minute (a dead connection)', async () => {
    const calls: Array<string | undefined> = []
    const kube = new FakeKube()
    kube.streamLog = async (_ns, _pod, _c, o, onData) => {
      calls.push(o.sinceTime)
      if (calls.length === 1) onData('2026-11-25T05:37:48.1Z before\n')
      if (calls.length === 2)
        onData('2026-11-25T05:37:48.1Z before\n2026-11-25T05:40:00.0Z after\n')
      if (!o.follow) return
      // Never ends by itself, like a piped response whose socket died.
      await new Promise<void>((resolve) => o.signal?.addEventListener('abort', () => resolve()))
    }
    const clock = new FakeClock()
    const started = clock.now()
    const file = tmpLog()
    const r = await followLogs(
      kube,
      {
        namespace: 'ns',
        container: 'tests',
        pod: () => runningPod(),
        finished: () => calls.length >= 2 && clock.now() - started > 70_000
      },
      file,
      () => undefined,
      clock,
      new FakeLogger(),
      undefined,
      1000,
      60_000
    )
    expect(fs.readFileSync(file, 'utf8')).toBe('before\nafter\n')
    expect(calls.slice(0, 2)).toEqual([undefined, '2026-11-25T05:37:47Z'])
    expect(r.reconnects).toBeGreaterThanOrEqual(1)
  })
})

describe('followLogs after an API-server restart', () => {
  it('resumes the live stream about 15 s after it went silent, by default, not only with the final read', async () => {
    // The connection died with the API server at 05:37:48; the server is back 10 s later and
    // the container keeps printing. The Job ends only at 60 s.
    const calls: Array<{ at: number; follow: boolean; sinceTime?: string }> = []
    const clock = new FakeClock()
    const started = clock.now()
    const kube = new FakeKube()
    kube.streamLog = async (_ns, _pod, _c, o, onData) => {
      const at = clock.now() - started
      calls.push({ at, follow: o.follow, sinceTime: o.sinceTime })
      if (calls.length === 1)
        onData('2026-11-25T05:37:47.9Z tick 1\n2026-11-25T05:37:48.1Z tick 2\n')
      else if (at < 10_000)
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: undefined })
      else onData('2026-11-25T05:37:48.1Z tick 2\n2026-11-25T05:37:49.1Z tick 3\n')
      if (!o.follow) return
      await new Promise<void>((resolve) => o.signal?.addEventListener('abort', () => resolve()))
    }
    const live: Array<{ line: string; at: number }> = []
    await followLogs(
      kube,
      {
        namespace: 'ns',
        container: 'tests',
        pod: () => runningPod(),
        finished: () => clock.now() - started > 60_000
      },
      tmpLog(),
      (line) => live.push({ line, at: clock.now() - started }),
      clock,
      new FakeLogger()
    )
    const resumed = calls.find((c) => c.follow && c.at >= 10_000)
    expect(resumed).toMatchObject({ sinceTime: '2026-11-25T05:37:47Z' })
    expect(resumed!.at).toBeLessThanOrEqual(20_000)
    // tick 3 arrived live, long before the Job's end, and nothing twice.
    expect(live.map((l) => l.line)).toEqual(['tick 1', 'tick 2', 'tick 3'])
    expect(live[2].at).toBeLessThanOrEqual(20_000)
  })
})

describe('followLogs on a captured kubelet log', () => {
  // `kubectl logs --timestamps` of a real pod (see __fixtures__/k8s/README.md).
  const real = fs.readFileSync('__fixtures__/k8s/log-succeeded.txt', 'utf8')
  const expected = real
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/^\S+ /, ''))

  it('loses and repeats nothing whatever byte the stream is cut at', async () => {
    for (let cut = 1; cut < real.length; cut++) {
      const kube = new FakeKube()
      // The stream closes after `cut` bytes, split into two chunks; the reconnect from the same
      // second sends everything again (sinceTime has whole-second precision), in 3-byte chunks.
      const again = real.match(/[\s\S]{1,3}/g)!
      kube.logReads = [[real.slice(0, cut >> 1), real.slice(cut >> 1, cut)], again, []]
      const seen: string[] = []
      const file = tmpLog()
      await followTwoReads(kube, file, seen)
      expect({ cut, seen }).toEqual({ cut, seen: expected })
      expect(fs.readFileSync(file, 'utf8')).toBe(expected.join('\n') + '\n')
    }
  })

  it('strips CRLF line ends and keeps a CR inside a line', async () => {
    const kube = new FakeKube()
    kube.logReads = [
      [
        '2026-11-25T05:37:48.1Z one\r\n2026-11-25T05:37:48.2Z tw',
        'o\r',
        '\n2026-11-25T05:37:48.3Z a\rb\r\n'
      ]
    ]
    const seen: string[] = []
    const file = tmpLog()
    await followLogs(
      kube,
      { namespace: 'ns', container: 'tests', pod: () => runningPod(), finished: () => true },
      file,
      (l) => seen.push(l),
      new FakeClock(),
      new FakeLogger()
    )
    expect(seen).toEqual(['one', 'two', 'a\rb'])
    expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo\na\rb\n')
  })
})
