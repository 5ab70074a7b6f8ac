/**
 * client.ts against a real API server. Runs only when ICT_KUBECONFIG names a working kubeconfig
 * (e.g. the local cluster: ICT_KUBECONFIG=/var/lib/in-cluster-test/cluster/admin.kubeconfig);
 * ICT_TEST_IMAGE must be an image with sh that the node already has (default: the local cluster's
 * Debian PostgreSQL image). Without ICT_KUBECONFIG the suite is reported as skipped, not passed.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { createKube } from '../../src/k8s/client.js'
import type { KubeObject } from '../../src/k8s/types.js'
import { jobFinished, type JobStatusLike } from '../../src/job/watch.js'
import { isImmutableFieldError } from '../../src/k8s/api-error.js'

const kubeconfig = process.env.ICT_KUBECONFIG
const image = process.env.ICT_TEST_IMAGE ?? 'docker.io/local/postgres:15'
const ns = `ict-client-${Date.now().toString(36)}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const suite = kubeconfig ? describe : describe.skip

suite('createKube against a real API server', () => {
  const kube = kubeconfig ? createKube(kubeconfig) : undefined!
  const ref = { apiVersion: 'batch/v1', kind: 'Job', name: 'printer', namespace: ns }

  afterAll(async () => {
    if (kube) await kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns })
  })

  it('answers version()', async () => {
    expect(await kube.version()).toMatch(/^v1\.\d+\./)
  })

  it('applies a Namespace after the ConfigMap that needs it was listed first', async () => {
    const cm: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: ns },
      ...({ data: { a: 'x\n  command: [sh]' } } as object)
    }
    await kube.apply([cm, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }])
    const live = await kube.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'settings',
      namespace: ns
    })
    expect(live?.data).toEqual({ a: 'x\n  command: [sh]' })
    // Applying again with the same manager is a no-op, not a conflict.
    await kube.apply([cm])
  })

  it("applies a CRD with its x-kubernetes-* fields (the client's model names them otherwise)", async () => {
    const name = `widgets${Date.now().toString(36)}.ict.example`
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: {
        group: 'ict.example',
        scope: 'Namespaced',
        names: { plural: name.split('.')[0], kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
                    }
                  }
                }
              }
            }
          }
        ]
      }
    } as KubeObject
    const ref = { apiVersion: crd.apiVersion!, kind: crd.kind!, name }
    try {
      await kube.apply([crd])
      const live = (await kube.get(ref)) as unknown as typeof crd & {
        spec: {
          versions: Array<{
            schema: {
              openAPIV3Schema: {
                properties: { spec: { properties: { values: Record<string, unknown> } } }
              }
            }
          }>
        }
      }
      // The server has the field (read back, the client's model spells it its own way).
      const values = live.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.values
      expect(
        Object.entries(values).filter(([k]) => /^x.kubernetes.preserve.unknown.fields$/.test(k))
      ).toEqual([[expect.any(String), true]])
    } finally {
      await kube.delete(ref)
    }
  })

  it('returns undefined for missing objects and pods, and names the resource on errors', async () => {
    expect(await kube.get({ ...ref, name: 'no-such-job' })).toBeUndefined()
    expect(await kube.readPod(ns, 'no-such-pod')).toBeUndefined()
    await kube.delete({ ...ref, name: 'no-such-job' })
    const err = await kube
      .streamLog(ns, 'no-such-pod', 'tests', { follow: false }, () => undefined)
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code?: number }
      )
    expect(err?.code).toBe(404)
    expect(err?.message).toContain('no-such-pod')
    expect(err?.message).not.toContain('Headers')
  })

  it('runs a Job, follows its log with timestamps and reads from sinceTime', async () => {
    await kube.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'printer', namespace: ns },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'tests',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', 'for i in 1 2 3; do echo "line $i"; sleep 1; done; exit 3']
              }
            ]
          }
        }
      }
    })
    let podName: string | undefined
    for (let i = 0; i < 60 && !podName; i++) {
      const pods = await kube.listPods(ns, 'job-name=printer')
      const p = pods[0]
      const cs = p?.status?.containerStatuses?.[0]
      if (cs?.state?.running || cs?.state?.terminated) podName = p?.metadata?.name
      else await sleep(500)
    }
    expect(podName).toBeDefined()
    let followed = ''
    await kube.streamLog(ns, podName!, 'tests', { follow: true }, (c) => (followed += c))
    const lines = followed.trimEnd().split('\n')
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['line 1', 'line 2', 'line 3'])
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line 1$/)

    // sinceTime has whole-second precision: from the third line's second on, never earlier.
    const third = lines[2].split(' ')[0].replace(/\.\d+/, '')
    let tail = ''
    await kube.streamLog(
      ns,
      podName!,
      'tests',
      { follow: false, sinceTime: third },
      (c) => (tail += c)
    )
    expect(tail).toContain('line 3')
    expect(tail).not.toContain('line 1')

    // The generated request takes its options by position: each lands where the server reads it.
    expect(await kube.readLog(ns, podName!, 'tests', { tailLines: 2 })).toBe('line 2\nline 3\n')
    expect(await kube.readLog(ns, podName!, 'tests', { tailLines: 2, limitBytes: 4 })).toBe('line')
    expect(await kube.readLog(ns, podName!, 'tests', { sinceSeconds: 3600 })).toContain('line 1')
    await expect(
      kube.readLog(ns, podName!, 'tests', { previous: true, tailLines: 1 })
    ).rejects.toThrow(/^Reading the log of .*previous terminated container "tests".* \(400/)
    expect(await kube.listPods(ns, 'job-name=no-such-job')).toEqual([])

    let status: JobStatusLike | undefined
    for (let i = 0; i < 60 && !jobFinished(status); i++) {
      status = (await kube.get<KubeObject & { status?: JobStatusLike }>(ref))?.status
      if (!jobFinished(status)) await sleep(500)
    }
    expect(jobFinished(status)).toBe('failed')
    const pod = await kube.readPod(ns, podName!)
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3)
    const events = await kube.listEvents(ns, { kind: 'Job', name: 'printer' })
    expect(events.map((e) => e.reason)).toContain('BackoffLimitExceeded')
    expect(events.every((e) => e.involvedObject?.name === 'printer')).toBe(true)
  }, 60_000)

  it('aborts a follow stream through the signal', async () => {
    await kube.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'sleeper', namespace: ns },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: 'tests',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', 'echo up; sleep 300']
              }
            ]
          }
        }
      }
    })
    let podName: string | undefined
    for (let i = 0; i < 60 && !podName; i++) {
      const p = (await kube.listPods(ns, 'job-name=sleeper'))[0]
      if (p?.status?.containerStatuses?.[0]?.state?.running) podName = p.metadata?.name
      else await sleep(500)
    }
    const ac = new AbortController()
    let got = ''
    const started = Date.now()
    const done = kube.streamLog(ns, podName!, 'tests', { follow: true, signal: ac.signal }, (c) => {
      got += c
      if (got.includes('up')) ac.abort()
    })
    await done
    expect(got).toContain(' up')
    expect(Date.now() - started).toBeLessThan(10_000)
    await kube.delete({ ...ref, name: 'sleeper' })
  }, 60_000)

  it('refuses a changed Job template in one line, and takes it again once deleted', async () => {
    const migrate = (echo: string): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'db-setup', namespace: ns },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 0,
            containers: [
              { name: 'm', image, imagePullPolicy: 'IfNotPresent', command: ['echo', echo] }
            ]
          }
        }
      }
    })
    await kube.apply([migrate('one')])
    const err = await kube.apply([migrate('two')]).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    expect(isImmutableFieldError(err)).toBe(true)
    expect(err?.message).toMatch(
      /^Applying Job\/db-setup in .*: Job.batch "db-setup" is invalid: .*field is immutable.* \(422 Invalid\)$/
    )
    expect(err?.message).not.toMatch(/ObjectMeta:|Headers|HTTP-Code/)
    const jobRef = { apiVersion: 'batch/v1', kind: 'Job', name: 'db-setup', namespace: ns }
    await kube.delete(jobRef, { propagation: 'Foreground' })
    for (let i = 0; i < 60 && (await kube.get(jobRef)); i++) await sleep(500)
    await kube.apply([migrate('two')])
    await kube.delete(jobRef)
  }, 60_000)

  it('lists the Nodes and the pods of every namespace', async () => {
    const nodes = await kube.list<
      KubeObject & { status?: { nodeInfo?: { architecture?: string } } }
    >('v1', 'Node')
    expect(nodes.length).toBeGreaterThan(0)
    expect(nodes[0].status?.nodeInfo?.architecture).toMatch(/^(amd64|arm64)$/)
    const pods = await kube.list('v1', 'Pod')
    expect(pods.some((p) => p.metadata?.namespace === 'kube-system')).toBe(true)
  })

  it("reads a node's kubelet log through the node proxy, or says why not in one line", async () => {
    const [node] = await kube.list('v1', 'Node')
    // Served where the kubelet has log queries on (NodeLogQuery, enableSystemLogQuery); else an
    // error with its status, never the client's dump.
    const outcome = await kube.readNodeLog(node.metadata?.name ?? '', 'kubelet', 5).then(
      (text) => (typeof text === 'string' ? 'served' : 'not text'),
      (e: unknown) => {
        const err = e as Error & { code?: number }
        return /Headers|HTTP-Code/.test(err.message)
          ? `dump: ${err.message}`
          : `refused ${err.code}`
      }
    )
    expect(outcome).toMatch(/^(served|refused (400|403|404|500|502|503))$/)
  })
})
