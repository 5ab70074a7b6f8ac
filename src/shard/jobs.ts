/**
 * The shards as Kubernetes Jobs, made from the Job `renderJob` rendered for a single run. Pure.
 *
 * `shardJobs` (shard-mode jobs, the default): N Jobs, each with its own args — works with any
 * image (see shard.ts for why one Indexed Job cannot give a plain test binary its shard).
 *
 * `indexedShardJob` (shard-mode indexed): one Indexed Job (`completionMode: Indexed`,
 * `completions` = `parallelism` = N) for images whose TestMain picks its shard from the index.
 * Every pod gets the same args, with `-test.run=^$` (matches no test), and every shard's patterns
 * in the env:
 * `IN_CLUSTER_TEST_RUN_<i>` (and `IN_CLUSTER_TEST_SKIP_<i>` when the shard needs one). The image
 * opts in with:
 *
 *     func TestMain(m *testing.M) {
 *         flag.Parse()
 *         if i, ok := os.LookupEnv("JOB_COMPLETION_INDEX"); ok {
 *             if p, ok := os.LookupEnv("IN_CLUSTER_TEST_RUN_" + i); ok { flag.Set("test.run", p) }
 *             if p, ok := os.LookupEnv("IN_CLUSTER_TEST_SKIP_" + i); ok { flag.Set("test.skip", p) }
 *         }
 *         os.Exit(m.Run())
 *     }
 *
 * An image that does not opt in runs no test in any pod ("testing: warning: no tests to run")
 * instead of the whole suite N times. Each index gets one attempt (`backoffLimitPerIndex: 0`,
 * Kubernetes ≥ 1.29 by default) and a failing index does not stop the others; the Job ends Failed
 * (reason FailedIndexes) when any index failed. Pods are `<job>-<index>-<random>`, labelled
 * `batch.kubernetes.io/job-completion-index`: follow one log per index.
 */
import type { EnvVar, JobObject } from '../k8s/types.js'
import { testContainer } from '../k8s/job-template.js'
import { shardArgList, takeRunAndSkip } from './shard.js'

/** Label on each shard's Job and pods: its number, 1..N. */
export const SHARD_LABEL = 'in-cluster-test/shard'
export const RUN_ENV = 'IN_CLUSTER_TEST_RUN_'
export const SKIP_ENV = 'IN_CLUSTER_TEST_SKIP_'

/**
 * Every test pod's shard, for suites that isolate shards sharing one database (a schema per
 * shard): its index, 0-based like JOB_COMPLETION_INDEX, and the shard count. A single Job, the
 * listing Job and a rerun are index 0 of 1; a rerun also gets its attempt (1, 2, ...).
 */
export const SHARD_INDEX_ENV = 'IN_CLUSTER_TEST_SHARD_INDEX'
export const SHARD_COUNT_ENV = 'IN_CLUSTER_TEST_SHARD_COUNT'
export const RERUN_ENV = 'IN_CLUSTER_TEST_RERUN'

/** An Indexed Job's pods share one spec: each reads its index from its own annotation. */
const COMPLETION_INDEX = "metadata.annotations['batch.kubernetes.io/job-completion-index']"

/** The shard variables of shard `index` (or of each index of an Indexed Job) of `count`. */
export function shardEnv(index: number | 'indexed', count: number): EnvVar[] {
  return [
    index === 'indexed'
      ? { name: SHARD_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: COMPLETION_INDEX } } }
      : { name: SHARD_INDEX_ENV, value: String(index) },
    { name: SHARD_COUNT_ENV, value: String(count) }
  ]
}

/** The job with `vars` set on its test container, replacing any of the same name. */
export function withEnv(job: JobObject, vars: EnvVar[]): JobObject {
  const c = testContainer(job)
  const names = new Set(vars.map((e) => e.name))
  c.env = [...(c.env ?? []).filter((e) => !names.has(e.name)), ...vars]
  return job
}

/** Kubernetes puts the Job name into a label value (job-name): at most 63 characters. */
const MAX_NAME = 63

/** `<name><suffix>`, the name shortened so the suffix always fits. */
export function suffixedJobName(name: string, suffix: string): string {
  return name.slice(0, MAX_NAME - suffix.length).replace(/-+$/, '') + suffix
}

/** `<name>-s<i>` (1-based). */
export function shardJobName(name: string, index: number): string {
  return suffixedJobName(name, `-s${index + 1}`)
}

function withLabel(job: JobObject, key: string, value: string): void {
  const meta = job.metadata as { labels?: Record<string, string> }
  meta.labels = { ...(meta.labels ?? {}), [key]: value }
  job.spec.template.metadata = {
    ...job.spec.template.metadata,
    labels: { ...(job.spec.template.metadata?.labels ?? {}), [key]: value }
  }
}

/**
 * One Job per group: a copy of `job` named `<name>-s<i>`, labelled with its shard number, its
 * test container's args being `testArgs` narrowed to the group (see `shardArgs`).
 */
export function shardJobs(job: JobObject, groups: string[][], testArgs: string[]): JobObject[] {
  const args = shardArgList(testArgs, groups)
  return groups.map((_, i) => {
    const copy = structuredClone(job)
    const meta = copy.metadata as { name?: string }
    meta.name = shardJobName(meta.name ?? 'tests', i)
    withLabel(copy, SHARD_LABEL, String(i + 1))
    testContainer(copy).args = args[i]
    return withEnv(copy, shardEnv(i, groups.length))
  })
}

/** One Indexed Job running every group, for images that pick their shard (see above). */
export function indexedShardJob(job: JobObject, groups: string[][], testArgs: string[]): JobObject {
  const perShard = shardArgList(testArgs, groups)
  const copy = structuredClone(job)
  const spec = copy.spec as JobObject['spec'] & Record<string, unknown>
  spec.completionMode = 'Indexed'
  spec.completions = groups.length
  spec.parallelism = groups.length
  spec.backoffLimitPerIndex = 0
  delete spec.backoffLimit
  const c = testContainer(copy)
  const parts = perShard.map(takeRunAndSkip)
  // Args common to every shard: the user's without -test.run/-test.skip, then a pattern that
  // runs nothing unless the image replaces it with its own shard's.
  c.args = [...parts[0].rest, '-test.run=^$']
  const ours = parts.flatMap(({ run, skip }, i) => [
    ...(run === undefined ? [] : [{ name: `${RUN_ENV}${i}`, value: run }]),
    ...(skip === undefined ? [] : [{ name: `${SKIP_ENV}${i}`, value: skip }])
  ])
  return withEnv(copy, [...ours, ...shardEnv('indexed', groups.length)])
}
