import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { renderJob } from '../../src/job/render.js'
import { parseJobTemplate } from '../../src/k8s/job-template.js'
import type { JobObject } from '../../src/k8s/types.js'
import {
  RUN_ENV,
  SHARD_COUNT_ENV,
  SHARD_INDEX_ENV,
  SHARD_LABEL,
  SKIP_ENV,
  indexedShardJob,
  shardEnv,
  shardJobName,
  shardJobs,
  withEnv
} from '../../src/shard/jobs.js'

const template = parseJobTemplate(
  fs.readFileSync('templates/test-job.yaml', 'utf8'),
  'templates/test-job.yaml'
)
const job = renderJob(template, {
  name: 'tests-0123abcd',
  namespace: 'example',
  image: 'example/tests:0123456789ab',
  args: ['-test.v', '-test.coverprofile=/dev/stdout'],
  env: { POSTGRES_HOST: 'postgres.example.svc.cluster.local' },
  secretEnv: { secretName: 'tests-0123abcd', keys: ['JWT_SECRET'] },
  envFromSecrets: ['postgres-credentials'],
  imagePullSecrets: ['tests-0123abcd-pull'],
  deadlineSeconds: 600
})
const testArgs = ['-test.v', '-test.coverprofile=/dev/stdout']
const groups = [['TestA', 'TestB'], ['TestC'], ['TestD', 'TestE']]
const container = (j: JobObject) => j.spec.template.spec.containers[0]
const labels = (j: JobObject) => (j.metadata as { labels: Record<string, string> }).labels

describe('shardJobs', () => {
  const jobs = shardJobs(job, groups, testArgs)

  it('makes one Job per group with its own anchored -test.run', () => {
    expect(jobs.map((j) => (j.metadata as { name: string }).name)).toEqual([
      'tests-0123abcd-s1',
      'tests-0123abcd-s2',
      'tests-0123abcd-s3'
    ])
    expect(jobs.map((j) => container(j).args)).toEqual([
      ['-test.v', '-test.coverprofile=/dev/stdout', '-test.run=^(TestA|TestB)$'],
      ['-test.v', '-test.coverprofile=/dev/stdout', '-test.run=^(TestC)$'],
      ['-test.v', '-test.coverprofile=/dev/stdout', '-test.run=^(TestD|TestE)$']
    ])
    expect(jobs.map((j) => labels(j)[SHARD_LABEL])).toEqual(['1', '2', '3'])
    expect(jobs.map((j) => j.spec.template.metadata?.labels?.[SHARD_LABEL])).toEqual([
      '1',
      '2',
      '3'
    ])
  })

  it('keeps everything else of the rendered Job and leaves it unchanged', () => {
    const before = structuredClone(job)
    const again = shardJobs(job, groups, testArgs)
    expect(job).toEqual(before)
    const c = container(again[1])
    expect(c.image).toBe('example/tests:0123456789ab')
    // The rendered env, then the shard's number and the count.
    expect(c.env).toEqual([
      ...(container(job).env ?? []),
      { name: SHARD_INDEX_ENV, value: '1' },
      { name: SHARD_COUNT_ENV, value: '3' }
    ])
    expect(c.envFrom).toEqual([{ secretRef: { name: 'postgres-credentials' } }])
    // A pushed image is pulled by every shard with the run's pull Secret.
    for (const j of again)
      expect(j.spec.template.spec.imagePullSecrets).toEqual([{ name: 'tests-0123abcd-pull' }])
    expect(again[1].spec.backoffLimit).toBe(0)
    expect(again[1].spec.activeDeadlineSeconds).toBe(600)
    expect(labels(again[1])['app.kubernetes.io/managed-by']).toBe('in-cluster-test')
  })

  it('keeps the command of an image without ENTRYPOINT in every shard and the Indexed Job', () => {
    const cmdOnly = renderJob(template, {
      name: 'tests-0123abcd',
      namespace: 'example',
      image: 'example/tests:0123456789ab',
      command: ['./integration-tests'],
      args: testArgs,
      env: {},
      envFromSecrets: [],
      deadlineSeconds: 600
    })
    for (const j of [
      ...shardJobs(cmdOnly, groups, testArgs),
      indexedShardJob(cmdOnly, groups, testArgs)
    ])
      expect(container(j).command).toEqual(['./integration-tests'])
  })

  it('keeps names within the 63 characters of a label value', () => {
    const long = 'x'.repeat(70)
    expect(shardJobName(long, 11)).toHaveLength(63)
    expect(shardJobName(long, 11).endsWith('-s12')).toBe(true)
    expect(shardJobName(`${'a'.repeat(59)}-b`, 0)).toBe(`${'a'.repeat(59)}-s1`)
  })
})

describe('shard variables', () => {
  const env = (j: JobObject) => Object.fromEntries((container(j).env ?? []).map((e) => [e.name, e]))

  it('give each shard Job its 0-based index and the count', () => {
    const jobs = shardJobs(job, groups, testArgs)
    expect(jobs.map((j) => env(j)[SHARD_INDEX_ENV].value)).toEqual(['0', '1', '2'])
    expect(jobs.map((j) => env(j)[SHARD_COUNT_ENV].value)).toEqual(['3', '3', '3'])
  })

  it("give an Indexed Job's pods their own completion index through the downward API", () => {
    const e = env(indexedShardJob(job, groups, testArgs))
    expect(e[SHARD_INDEX_ENV]).toEqual({
      name: SHARD_INDEX_ENV,
      valueFrom: {
        fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" }
      }
    })
    expect(e[SHARD_COUNT_ENV].value).toBe('3')
  })

  it('make a Job that runs alone shard 0 of 1, replacing a template value of the same name', () => {
    const own = structuredClone(job)
    container(own).env = [...(container(own).env ?? []), { name: SHARD_COUNT_ENV, value: '9' }]
    const e = container(withEnv(own, shardEnv(0, 1))).env ?? []
    expect(e.filter((x) => x.name.startsWith('IN_CLUSTER_TEST_SHARD_'))).toEqual([
      { name: SHARD_INDEX_ENV, value: '0' },
      { name: SHARD_COUNT_ENV, value: '1' }
    ])
  })
})

describe('indexedShardJob', () => {
  const indexed = indexedShardJob(job, groups, testArgs)
  const spec = indexed.spec as JobObject['spec'] & Record<string, unknown>

  it('runs every group as an index of one Job, all at once, one attempt each', () => {
    expect(spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 3,
      parallelism: 3,
      backoffLimitPerIndex: 0
    })
    // backoffLimit 0 would fail the whole Job, and stop the other shards, at the first failure.
    expect(spec.backoffLimit).toBeUndefined()
    expect((indexed.metadata as { name: string }).name).toBe('tests-0123abcd')
    expect(indexed.spec.template.spec.imagePullSecrets).toEqual([{ name: 'tests-0123abcd-pull' }])
  })

  it('gives each index its pattern in the env and runs no test unless the image uses it', () => {
    const c = container(indexed)
    expect(c.args).toEqual(['-test.v', '-test.coverprofile=/dev/stdout', '-test.run=^$'])
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]))
    expect(env[`${RUN_ENV}0`]).toBe('^(TestA|TestB)$')
    expect(env[`${RUN_ENV}1`]).toBe('^(TestC)$')
    expect(env[`${RUN_ENV}2`]).toBe('^(TestD|TestE)$')
    expect(env[`${SKIP_ENV}0`]).toBeUndefined()
    // The rendered env (plain values, Secret references) is still there.
    expect(env.POSTGRES_HOST).toBe('postgres.example.svc.cluster.local')
    expect(c.env?.find((e) => e.name === 'JWT_SECRET')?.valueFrom).toEqual({
      secretKeyRef: { name: 'tests-0123abcd', key: 'JWT_SECRET' }
    })
  })

  it('passes the -test.skip a shard needs', () => {
    const c = container(
      indexedShardJob(job, [['TestA'], ['TestB']], ['-test.run=TestA/x|TestB/y', '-test.v'])
    )
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]))
    expect(env[`${RUN_ENV}0`]).toBe('TestA/x|TestB/y')
    expect(env[`${SKIP_ENV}0`]).toBe('^(TestB)$')
    expect(env[`${SKIP_ENV}1`]).toBe('^(TestA)$')
    expect(c.args).toEqual(['-test.v', '-test.run=^$'])
  })
})

describe('the Indexed Job on a real cluster (capture-indexed.sh)', () => {
  const captured = JSON.parse(
    fs.readFileSync('__fixtures__/k8s/job-indexed-failed-indexes.json', 'utf8')
  ) as JobObject & {
    status: { failedIndexes?: string; conditions: Array<{ type: string; reason: string }> }
  }
  const pod = JSON.parse(fs.readFileSync('__fixtures__/k8s/pod-indexed-1.json', 'utf8')) as {
    metadata: { labels: Record<string, string> }
    spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> }
  }

  it('was accepted as rendered, and ran both indexes although both failed', () => {
    const spec = captured.spec as JobObject['spec'] & Record<string, unknown>
    expect(spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
      backoffLimitPerIndex: 0,
      // Defaulted by the API server once backoffLimitPerIndex is set.
      backoffLimit: 2147483647
    })
    expect(captured.status.failedIndexes).toBe('0,1')
    expect(captured.status.conditions.find((c) => c.type === 'Failed')?.reason).toBe(
      'FailedIndexes'
    )
  })

  it('gives the pod its index and every shard pattern', () => {
    expect(pod.metadata.labels['batch.kubernetes.io/job-completion-index']).toBe('1')
    const names = pod.spec.containers[0].env.map((e) => e.name)
    expect(names).toEqual(
      expect.arrayContaining(['JOB_COMPLETION_INDEX', `${RUN_ENV}0`, `${RUN_ENV}1`])
    )
  })
})
