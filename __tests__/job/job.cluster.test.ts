/**
 * The Job path against a real API server: render from templates/test-job.yaml, create, watch and
 * follow the log at the same time, as run.ts does. Runs only when ICT_KUBECONFIG is set (see
 * __tests__/k8s/client.cluster.test.ts); otherwise reported as skipped.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createKube } from '../../src/k8s/client.js'
import { renderJob, renderSecret } from '../../src/job/render.js'
import { parseJobTemplate } from '../../src/k8s/job-template.js'
import { watchJob } from '../../src/job/watch.js'
import { followLogs } from '../../src/logs/follow.js'
import type { PodLike } from '../../src/k8s/types.js'
import type { Clock } from '../../src/ports.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const kubeconfig = process.env.ICT_KUBECONFIG
const image = process.env.ICT_TEST_IMAGE ?? 'docker.io/local/postgres:15'
const ns = `ict-job-${Date.now().toString(36)}`
const suite = kubeconfig ? describe : describe.skip

const clock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms)
      signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
    })
}

suite('a rendered Job on a real cluster', () => {
  const kube = kubeconfig ? createKube(kubeconfig) : undefined!
  const template = parseJobTemplate(fs.readFileSync('templates/test-job.yaml', 'utf8'), 'default')
  // The Debian image has no entrypoint: run the args through sh.
  ;(template.spec.template.spec.containers[0] as Record<string, unknown>).command = ['sh', '-c']

  afterAll(async () => {
    if (kube) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns })
  })

  async function run(name: string, script: string, deadlineSeconds: number, extra = {}) {
    const job = renderJob(template, {
      name,
      namespace: ns,
      image,
      args: [script],
      env: {},
      envFromSecrets: [],
      deadlineSeconds,
      ...extra
    })
    await kube.create(job)
    let pod: PodLike | undefined
    let finished = false
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ict-job-')), 'tests.log')
    const lines: string[] = []
    const ac = new AbortController()
    try {
      const follower = followLogs(
        kube,
        { namespace: ns, container: 'tests', pod: () => pod, finished: () => finished },
        file,
        (l) => lines.push(l),
        clock,
        new FakeLogger(),
        ac.signal,
        200
      )
      const result = await watchJob(
        kube,
        {
          namespace: ns,
          name,
          container: 'tests',
          timeoutMs: 60_000,
          stuckGraceMs: 20_000,
          pollMs: 500,
          onPod: (p) => (pod = p)
        },
        clock,
        new FakeLogger()
      )
      finished = true
      const follow = await follower
      return { result, follow, lines, file: fs.readFileSync(file, 'utf8') }
    } finally {
      ac.abort()
    }
  }

  it('passes hostile env values through unchanged, from the spec and from a Secret', async () => {
    await kube.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }])
    const hostile = 'x\n  command: [sh]\n$(id) `id` {{ .X }} \'"\\ ✓'
    await kube.apply([renderSecret('env-secret', ns, { TOKEN: hostile })])
    const r = await run(
      'env',
      'printf "%s|" "$PLAIN"; echo; printf "%s|" "$TOKEN"; echo; exit 3',
      30,
      {
        env: { PLAIN: hostile },
        secretEnv: { secretName: 'env-secret', keys: ['TOKEN'] }
      }
    )
    expect(r.result).toMatchObject({ outcome: 'failed', exitCode: 3, terminationReason: 'Error' })
    expect(r.result.reason).toBe('BackoffLimitExceeded')
    // The value spans lines, so it comes back as several log lines; joined, it is the value.
    expect(r.lines.join('\n')).toBe(`${hostile}|\n${hostile}|`)
    expect(r.file).toBe(`${hostile}|\n${hostile}|\n`)
  }, 60_000)

  it('keeps the log of a pod the Job deadline killed', async () => {
    const r = await run('deadline', 'echo started; sleep 300', 3)
    expect(r.result).toMatchObject({ outcome: 'failed', reason: 'DeadlineExceeded' })
    expect(r.file).toBe('started\n')
  }, 60_000)
})
