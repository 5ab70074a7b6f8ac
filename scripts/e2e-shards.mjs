// Issue 27: shards that share a database. The example's TestSharedTableA and TestSharedTableB
// write into one table of the shared PostgreSQL and hold it EXAMPLE_SHARED_TABLE_SECONDS seconds:
// one after the other they pass; in two shards at the same time they conflict. With the schema
// the example's TestMain gives each shard (from IN_CLUSTER_TEST_SHARD_INDEX), they do not.
//   one Job, shared schema              → passes (the tests themselves are fine)
//   2 shards, shared schema, no reruns  → fails, naming the tests
//   2 shards, shared schema, reruns     → passes; flaky-tests lists them as shard conflicts
//   2 shards, the second's TestMain failing beside the first, reruns → passes, its tests named
//   2 shards (Jobs, then an Indexed Job), a schema each → passes, no reruns needed
// Called by scripts/e2e.mjs; alone (E2E_ONLY=shards in scripts/e2e.sh) it runs its own cases.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { exampleEnv, exampleInputs } from './lib/example-inputs.mjs'
import { checks } from './lib/checks.mjs'
import { runAction } from './lib/run-action.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const SHARED = ['TestSharedTableA', 'TestSharedTableB']
/** Long enough that two shard pods started together hold the table at the same time. */
const HOLD_SECONDS = 8

/**
 * @param {object} o
 * @param {(name: string, inputs: object) => Promise<any>} o.run runs the action with the
 *   example's inputs plus these (env replaced), returns runAction's result
 * @param {(name: string, ok: boolean, detail?: string) => void} o.check
 */
export async function shardCases({ run, check }) {
  const env = (shareSchema) =>
    exampleEnv(
      `EXAMPLE_SHARED_TABLE_SECONDS: "${HOLD_SECONDS}"${shareSchema ? '\nEXAMPLE_SHARE_SCHEMA: "1"' : ''}`
    )
  const only = { 'test-args': '-test.v -test.coverprofile=/dev/stdout -test.run=^TestSharedTable' }
  const json = (r, name) => {
    try {
      return JSON.parse(r.outputs[name] ?? 'null')
    } catch {
      return null
    }
  }
  const said = (r) => `${r.outputs.status} ${r.outputs.diagnosis} flaky=${r.outputs['flaky-tests']}`

  const one = await run('shared-one', { ...only, env: env(true) })
  check(
    'shards: the two shared-table tests pass as one Job',
    one.outputs.status === 'passed' && one.outputs['tests-passed'] === '2',
    said(one)
  )

  const conflict = await run('shared-conflict', { ...only, env: env(true), shards: '2' })
  const failed = json(conflict, 'failed-tests') ?? []
  check(
    'shards: the same tests in 2 shards sharing a schema fail, named, with no reruns',
    conflict.outputs.status === 'failed' &&
      conflict.main.code !== 0 &&
      failed.length > 0 &&
      failed.every((n) => SHARED.includes(n)) &&
      (json(conflict, 'flaky-tests') ?? []).length === 0,
    said(conflict)
  )

  const rerun = await run('shared-rerun', {
    ...only,
    env: env(true),
    shards: '2',
    'rerun-failed': '2'
  })
  const flaky = json(rerun, 'flaky-tests') ?? []
  const log = fs.existsSync(rerun.outputs['log-file'] ?? '')
    ? fs.readFileSync(rerun.outputs['log-file'], 'utf8')
    : ''
  check(
    'shards: a shared-state conflict is rerun alone and reported as such',
    rerun.outputs.status === 'passed' &&
      rerun.main.code === 0 &&
      rerun.outputs['tests-passed'] === '2' &&
      rerun.outputs['tests-failed'] === '0' &&
      flaky.length > 0 &&
      flaky.every(
        (f) =>
          SHARED.includes(f.name) &&
          f.kind === 'shard-conflict' &&
          /failed only beside other shards \(shared state\?\)/.test(f.reason) &&
          f.message !== '' &&
          [1, 2].includes(f.shard) &&
          f.rerun === 1
      ) &&
      /^### rerun 1\/2 \(Job .+-r1\)$/m.test(log) &&
      /### Flaky tests/.test(rerun.summary) &&
      /failed only beside other shards/.test(rerun.summary) &&
      /\| rerun 1 \|/.test(rerun.summary),
    said(rerun)
  )
  check(
    'shards: the flaky tests are warnings at their first failure, not errors',
    flaky.every((f) =>
      new RegExp(`::warning [^\\n]*title=${f.test}[^\\n]*failed only beside other shards`).test(
        rerun.main.stdout
      )
    ) && !/::error /.test(rerun.main.stdout),
    rerun.main.stdout.match(/::(warning|error) .*/g)?.join('\n')
  )

  // A shard whose TestMain fails beside the others (EXAMPLE_TESTMAIN_FAIL_BESIDE: the second
  // shard's setup exits 1) ran none of its tests: they run again alone, pass, and are named.
  const died = await run('shared-testmain', {
    ...only,
    env: exampleEnv('EXAMPLE_SHARED_TABLE_SECONDS: "1"\nEXAMPLE_TESTMAIN_FAIL_BESIDE: "1"'),
    shards: '2',
    'rerun-failed': '1'
  })
  const diedFlaky = json(died, 'flaky-tests') ?? []
  check(
    'shards: a shard whose setup failed beside the others reruns its tests alone, named',
    died.outputs.status === 'passed' &&
      died.outputs['tests-passed'] === '2' &&
      diedFlaky.length === 1 &&
      diedFlaky[0].kind === 'shard-conflict' &&
      diedFlaky[0].shard === 2 &&
      /^did not run: shard 2's test binary ended before its first test/.test(
        diedFlaky[0].message
      ) &&
      died.outputs.coverage !== '',
    `${said(died)} coverage=${died.outputs.coverage}`
  )

  for (const mode of ['jobs', 'indexed']) {
    const isolated = await run(`shared-isolated-${mode}`, {
      ...only,
      env: env(false),
      shards: '2',
      'shard-mode': mode
    })
    const text = fs.existsSync(isolated.outputs['log-file'] ?? '')
      ? fs.readFileSync(isolated.outputs['log-file'], 'utf8')
      : ''
    check(
      mode === 'jobs'
        ? 'shards: each shard isolated by its shard number'
        : 'shards: an Indexed Job isolated by its completion index',
      isolated.outputs.status === 'passed' &&
        isolated.outputs['tests-passed'] === '2' &&
        (json(isolated, 'flaky-tests') ?? []).length === 0 &&
        /shard schema shard_0/.test(text) &&
        /shard schema shard_1/.test(text),
      `${said(isolated)}; schemas in the log: ${text.match(/shard schema \w+/g)}`
    )
  }
}

// Alone: scripts/e2e.sh with E2E_ONLY=shards sets up the cluster and the environment.
if (import.meta.url === `file://${process.argv[1]}`) {
  const work = path.join(root, '.e2e', 'shards')
  fs.rmSync(work, { recursive: true, force: true })
  const secret = `e2e-jwt-${Date.now()}-not-a-real-secret`
  const counted = checks()
  const run = async (name, inputs) => {
    const r = await runAction({
      node: process.env.NODE24,
      root,
      workspace: root,
      workDir: path.join(work, name),
      inputs: {
        ...exampleInputs(secret),
        'load-images': 'example/workflows:e2e\nlocal/postgres:15',
        manifests: 'example/deploy-local',
        'deploy-timeout': '4m',
        'memory-limit': '512Mi',
        timeout: '5m',
        ...inputs
      }
    })
    console.log(`--- case ${name}: main exit ${r.main.code}, outputs ${JSON.stringify(r.outputs)}`)
    return r
  }
  await shardCases({ run, check: counted.check })
  console.log(`\nshards: ${counted.passed} passed, ${counted.failures.length} failed`)
  if (counted.failures.length > 0) process.exit(1)
}
