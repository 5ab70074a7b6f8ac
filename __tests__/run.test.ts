import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { getInputs, type Inputs } from '../src/inputs/index.js'
import { publish } from '../src/publish.js'
import { run, type Deps } from '../src/run.js'
import type { JobObject } from '../src/k8s/types.js'
import {
  createdObjects,
  memoryStateStore,
  rawUploadState,
  registryLogins,
  validateUploadState
} from '../src/state.js'
import { SecretValues } from '../src/secrets/secrets.js'
import {
  completed,
  failed,
  FakeKube,
  runningPod,
  terminatedPod
} from '../__fixtures__/fake-kube.js'
import { FakeClock } from '../__fixtures__/fake-clock.js'
import { FakeExec } from '../__fixtures__/fake-exec.js'
import { FakeLogger } from '../__fixtures__/fake-logger.js'
import { emptyToolCache } from '../__fixtures__/fake-tool-cache.js'

const IMAGE_ID = 'sha256:' + 'ab'.repeat(32)

function setup(values: Record<string, string> = {}) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-run-'))
  fs.writeFileSync(path.join(ws, 'Dockerfile.test'), 'FROM scratch\n')
  fs.writeFileSync(path.join(ws, 'kubeconfig'), 'apiVersion: v1\n')
  const inputs: Inputs = getInputs(
    (n) =>
      ({
        cluster: 'existing',
        kubeconfig: 'kubeconfig',
        'image-load': 'true {image}',
        namespace: 'example',
        ...values
      })[n] ?? '',
    { workspace: ws, runnerTemp: path.join(ws, 'tmp'), inActions: true }
  )
  const exec = new FakeExec()
    .on(
      (c) => c.args[0] === 'build',
      (c) => (fs.writeFileSync(c.args[c.args.indexOf('--iidfile') + 1], IMAGE_ID), {})
    )
    .on((c) => c.command === 'git', {
      stdout: 'example/tests/integration/workflow_test.go\n__fixtures__/gotest/src/calc_test.go\n'
    })
    .on((c) => c.command === 'bash' && c.args.join(' ').includes('command -v kubectl'), {
      stdout: '/usr/bin/kubectl\n'
    })
  const kube = new FakeKube()
  const log = new FakeLogger()
  const deps: Deps = {
    exec,
    secrets: new SecretValues(log),
    toolCache: emptyToolCache(),
    log,
    clock: new FakeClock(),
    state: memoryStateStore(),
    platform: { os: 'linux', arch: 'amd64' },
    templatesDir: path.resolve('templates'),
    connect: () => kube
  }
  return { inputs, exec, kube, log, deps }
}

/** Publishes the report as the action does: the message the step failed with, if it did. */
async function failedStep(
  report: Awaited<ReturnType<typeof run>>,
  inputs: Inputs,
  log: FakeLogger
): Promise<string | undefined> {
  let failedWith: string | undefined
  await publish(report, inputs.report, log, {
    setOutput: () => undefined,
    writeSummary: async () => undefined,
    setFailed: (m) => void (failedWith = m)
  })
  return failedWith
}

/** The log as the kubelet sends it: every line with a timestamp. */
function timestamped(fixture: string, keep: (line: string) => boolean = () => true): string[] {
  const lines = fs
    .readFileSync(`__fixtures__/gotest/${fixture}`, 'utf8')
    .replace(/\n$/, '')
    .split('\n')
    .filter(keep)
  return [
    lines
      .map(
        (l, i) =>
          `2026-11-25T04:00:${String(Math.floor(i / 100)).padStart(2, '0')}.${String(i % 100).padStart(2, '0')}1Z ${l}`
      )
      .join('\n') + '\n'
  ]
}

describe('run (orchestration with fake ports)', () => {
  it('passes end to end: image built and loaded, Job created, log kept, results reported', async () => {
    const { inputs, exec, kube, log, deps } = setup({
      env: 'POSTGRES_HOST: postgres.example.svc.cluster.local',
      'secret-env': 'JWT_SECRET: s3cr3t-value'
    })
    kube.jobStatuses = [{ active: 1 }, completed]
    kube.podSequence = [[runningPod()], [terminatedPod(0, 'Completed')]]
    kube.logReads = [timestamped('pass.txt')]
    const report = await run(inputs, deps)

    expect(report).toMatchObject({
      status: 'passed',
      image: 'in-cluster-test/tests:abababababab',
      exitCode: 0
    })
    expect(report.run).toMatchObject({ passed: 8, failed: 0, coverage: 20 })
    expect(fs.readFileSync(report.logFile!, 'utf8')).toBe(
      fs.readFileSync('__fixtures__/gotest/pass.txt', 'utf8').replace(/\n?$/, '\n')
    )
    // The custom load command got the content-tagged image through the environment.
    expect(
      exec.calls.find((c) => c.command === 'bash' && c.args[3] === 'true "$IN_CLUSTER_TEST_IMAGE"')
        ?.options?.env
    ).toEqual({
      IN_CLUSTER_TEST_IMAGE: 'in-cluster-test/tests:abababababab'
    })
    // The secret is masked, lives only in a Secret, and that Secret is deleted afterwards.
    expect(log.secrets).toEqual(['s3cr3t-value'])
    const secret = kube.applied.find((o) => o.kind === 'Secret')!
    expect(JSON.stringify(kube.created)).not.toContain('s3cr3t-value')
    expect(kube.deleted).toEqual([
      { apiVersion: 'v1', kind: 'Secret', name: secret.metadata!.name, namespace: 'example' }
    ])
    expect(report.timings.map((t) => t.stage).sort()).toEqual([
      'api check',
      'cluster',
      'image build',
      'image load',
      'tests'
    ])
    expect(
      JSON.parse(fs.readFileSync(path.join(inputs.outputDir, 'results.json'), 'utf8')).status
    ).toBe('passed')
    expect(fs.readFileSync(path.join(inputs.outputDir, 'junit.xml'), 'utf8')).toContain(
      'tests="14"'
    )
  })

  it('keeps the cover profile the binary printed, with coverage per package', async () => {
    const { inputs, kube, deps } = setup({ 'test-args': '-test.v -test.coverprofile=/dev/stdout' })
    kube.jobStatuses = [completed]
    kube.podSequence = [[terminatedPod(0, 'Completed')]]
    kube.logReads = [timestamped('coverprofile-stdout.txt')]
    const report = await run(inputs, deps)
    expect(report.status).toBe('passed')
    expect(fs.readFileSync(report.files!.coverprofile!, 'utf8')).toMatch(
      /^mode: atomic\nexample.com\/fixtures\/calc.go:6.24,6.40 1 4\n/
    )
    expect(report.packages).toEqual([
      { package: 'example.com/fixtures', statements: 5, covered: 1, percent: 20 }
    ])
  })

  it("runs the CMD's binary of a built image without ENTRYPOINT, with test-args as its args", async () => {
    const { inputs, exec, kube, deps } = setup()
    exec.on((c) => c.command === 'docker' && c.args[0] === 'image', {
      stdout: fs.readFileSync('__fixtures__/docker/config-cmd-only-buildkit.json', 'utf8')
    })
    kube.jobStatuses = [completed]
    kube.podSequence = [[terminatedPod(0, 'Completed')]]
    kube.logReads = [timestamped('pass.txt')]
    const report = await run(inputs, deps)
    expect(report.status).toBe('passed')
    const job = kube.created.find((o) => o.kind === 'Job') as JobObject
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      command: ['./integration-tests'],
      args: ['-test.v']
    })
  })

  it('fails with the failing tests named, annotated at repository paths', async () => {
    const { inputs, kube, log, deps } = setup()
    kube.jobStatuses = [{ active: 1 }, failed()]
    kube.podSequence = [[runningPod()], [terminatedPod(1, 'Error')]]
    kube.logReads = [timestamped('fail.txt')]
    const report = await run(inputs, deps)
    expect(report.status).toBe('failed')
    expect(report.headline).toBe(
      '3 tests failed: TestTestifyFailure, TestPlainFailure, TestSubtestFailure/broken.'
    )

    const outputs: Record<string, string> = {}
    let failedWith = ''
    await publish(report, inputs.report, log, {
      setOutput: (k, v) => void (outputs[k] = v),
      writeSummary: async () => undefined,
      setFailed: (m) => void (failedWith = m)
    })
    expect(outputs).toMatchObject({ status: 'failed', 'tests-failed': '4', 'exit-code': '1' })
    expect(failedWith).toBe(report.headline)
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.properties?.file)).toEqual([
      '__fixtures__/gotest/src/calc_test.go',
      '__fixtures__/gotest/src/calc_test.go',
      '__fixtures__/gotest/src/calc_test.go'
    ])
  })

  it('exports the cluster diagnostics to export-logs when the run did not pass, before it ends', async () => {
    const exported = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-run-logs-'))
    const { inputs, kube, deps } = setup({ 'export-logs': exported })
    kube.jobStatuses = [{ active: 1 }, failed()]
    kube.podSequence = [[runningPod()], [terminatedPod(1, 'Error')]]
    kube.logReads = [timestamped('fail.txt')]
    const report = await run(inputs, deps)
    expect(report.status).toBe('failed')
    expect(fs.readdirSync(exported).sort()).toEqual([
      'events.json',
      'events.txt',
      'nodes.json',
      'nodes.txt',
      'pods.json',
      'pods.txt'
    ])
    expect(report.timings.map((t) => t.stage)).toContain('cluster diagnostics')
  })

  it('leaves export-logs to the post step when the run passed', async () => {
    const exported = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-run-logs-'))
    const { inputs, kube, deps } = setup({ 'export-logs': exported })
    kube.jobStatuses = [{ active: 1 }, completed]
    kube.podSequence = [[runningPod()], [terminatedPod(0, 'Completed')]]
    kube.logReads = [timestamped('pass.txt')]
    const report = await run(inputs, deps)
    expect(report.status).toBe('passed')
    expect(fs.readdirSync(exported)).toEqual([])
  })

  it('upload-artifact: records output-dir for the post step, redacted, and export-logs only when main exported there', async () => {
    const exported = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-run-logs-'))
    const failing = setup({ 'export-logs': exported, 'upload-artifact': 'ict-e2e' })
    failing.kube.jobStatuses = [{ active: 1 }, failed()]
    failing.kube.podSequence = [[runningPod()], [terminatedPod(1, 'Error')]]
    failing.kube.logReads = [timestamped('fail.txt')]
    await run(failing.inputs, failing.deps)
    expect(validateUploadState(rawUploadState(failing.deps.state)).state).toEqual({
      name: 'ict-e2e',
      outputDir: failing.inputs.outputDir,
      exportLogsDir: exported,
      redacted: true,
      exclude: [failing.inputs.workDir]
    })

    const passing = setup({ 'export-logs': exported, 'upload-artifact': 'ict-e2e' })
    passing.kube.jobStatuses = [{ active: 1 }, completed]
    passing.kube.podSequence = [[runningPod()], [terminatedPod(0, 'Completed')]]
    passing.kube.logReads = [timestamped('pass.txt')]
    await run(passing.inputs, passing.deps)
    // The post step's kind export of a run that passed is not redacted: not uploaded.
    const state = validateUploadState(rawUploadState(passing.deps.state)).state
    expect(state).toMatchObject({ redacted: true })
    expect(state?.exportLogsDir).toBeUndefined()

    const off = setup({})
    off.kube.jobStatuses = [{ active: 1 }, completed]
    off.kube.podSequence = [[runningPod()], [terminatedPod(0, 'Completed')]]
    off.kube.logReads = [timestamped('pass.txt')]
    await run(off.inputs, off.deps)
    expect(rawUploadState(off.deps.state)).toBe('')
  })

  it('reports an OOM kill with the limit, and keeps the partial log', async () => {
    const { inputs, kube, deps } = setup({ 'memory-limit': '64Mi' })
    kube.jobStatuses = [{ active: 1 }, failed()]
    kube.podSequence = [
      [runningPod()],
      [terminatedPod(137, 'OOMKilled', 'tests-1', { memory: '64Mi' })]
    ]
    kube.logReads = [timestamped('killed.txt')]
    const report = await run(inputs, deps)
    expect(report.status).toBe('error')
    expect(report.headline).toBe(
      'Tests were killed: out of memory (limit 64Mi). Raise memory-limit, or look for a test that holds too much memory.'
    )
    expect(fs.readFileSync(report.logFile!, 'utf8')).toContain(
      'calc_test.go:84: starting a long operation'
    )
    expect(report.run?.interrupted).toBe(1)
  })

  it('does not fail the step on failed tests when fail-on-test-failure is false', async () => {
    const { inputs, kube, log, deps } = setup({ 'fail-on-test-failure': 'false' })
    kube.jobStatuses = [failed()]
    kube.podSequence = [[terminatedPod(1, 'Error')]]
    kube.logReads = [timestamped('fail.txt')]
    const report = await run(inputs, deps)
    expect(await failedStep(report, inputs, log)).toBeUndefined()
    expect(log.text('warning')).toMatch(/Tests failed \(fail-on-test-failure is false\)/)
  })

  describe('rerun-failed', () => {
    // capture-rerun.sh: TestShared fails beside another shard's rows, and passes alone (the
    // rerun's capture without TestBroken and TestTable, which it also ran).
    function rerunSetup(values: Record<string, string>) {
      const s = setup({ 'rerun-failed': '2', ...values })
      s.kube.jobStatuses = [failed(), completed]
      s.kube.podSequence = [[terminatedPod(1, 'Error')], [terminatedPod(0, 'Completed')]]
      s.kube.logReads = [
        timestamped('rerun-shard-2.txt'),
        // The follower's last read of the first pod, after it ended: nothing more.
        [],
        timestamped('rerun-1.txt', (l) => !/TestBroken|broken on purpose|TestTable/.test(l))
      ]
      return s
    }

    it('runs the failed test again alone, and a pass counts as passed, listed as flaky', async () => {
      const { inputs, kube, log, deps } = rerunSetup({})
      const report = await run(inputs, deps)
      const jobs = kube.created.filter((o) => o.kind === 'Job') as JobObject[]
      expect(jobs.map((j) => j.metadata?.name)).toEqual([
        expect.not.stringMatching(/-r1$/),
        expect.stringMatching(/^tests-.*-r1$/)
      ])
      const again = jobs[1].spec.template.spec.containers[0]
      expect(again.args?.at(-1)).toBe('-test.run=^(TestShared)$')
      const env = Object.fromEntries((again.env ?? []).map((e) => [e.name, e.value]))
      expect(env).toMatchObject({
        IN_CLUSTER_TEST_SHARD_INDEX: '0',
        IN_CLUSTER_TEST_SHARD_COUNT: '1',
        IN_CLUSTER_TEST_RERUN: '1'
      })
      expect(report.status).toBe('passed')
      expect(report.run?.flakyTests?.map((f) => [f.name, f.kind, f.rerun])).toEqual([
        ['TestShared', 'rerun', 1]
      ])
      expect([report.run?.passed, report.run?.failed]).toEqual([2, 0])
      expect(report.timings.map((t) => t.stage)).toContain('rerun 1')
      // Nothing still failed: no second rerun.
      expect(fs.readFileSync(report.logFile!, 'utf8')).toMatch(
        /\n### rerun 1\/2 \(Job tests-.*-r1\)\n/
      )
      expect(log.text()).toMatch(/Passed when run again alone: TestShared/)

      expect(await failedStep(report, inputs, log)).toBeUndefined()
      expect(
        log.lines.filter((l) => l.level === 'warning').map((l) => l.properties?.title)
      ).toContain('TestShared failed, then passed when run again alone')
    })

    it('fails the step on a pass on rerun when fail-on-flaky is true', async () => {
      const { inputs, deps } = rerunSetup({ 'fail-on-flaky': 'true' })
      const report = await run(inputs, deps)
      expect(report.status).toBe('failed')
      expect(report.headline).toBe(
        '1 test(s) failed, then passed when run again alone (fail-on-flaky is true): TestShared'
      )
    })

    it('does not rerun after a panic: the tests after it never ran', async () => {
      const { inputs, kube, log, deps } = setup({ 'rerun-failed': '2' })
      kube.jobStatuses = [failed()]
      kube.podSequence = [[terminatedPod(2, 'Error')]]
      kube.logReads = [timestamped('panic.txt')]
      const report = await run(inputs, deps)
      expect(kube.created.filter((o) => o.kind === 'Job')).toHaveLength(1)
      expect(report.status).toBe('failed')
      expect(log.text()).toMatch(/The failed tests are not run again: the test binary panicked/)
    })
  })

  it('shards: a listing Job, then a Job per shard with its share of the tests', async () => {
    const { inputs, kube, deps } = setup({ shards: '2' })
    kube.jobStatuses = [completed]
    kube.podSequence = [[terminatedPod(0, 'Completed')]]
    kube.logReads = [timestamped('test-list-shards.txt')]
    await run(inputs, deps)
    const jobs = kube.created.filter((o) => o.kind === 'Job') as JobObject[]
    expect(jobs.map((j) => j.metadata?.name)).toEqual([
      expect.stringMatching(/^tests-.*-list$/),
      expect.stringMatching(/-s1$/),
      expect.stringMatching(/-s2$/)
    ])
    const runs = jobs.slice(1).map((j) => j.spec.template.spec.containers[0].args ?? [])
    expect(runs.every((a) => a.some((x) => x.startsWith('-test.run=^(')))).toBe(true)
    expect(jobs[2].spec.template.metadata?.labels?.['in-cluster-test/shard']).toBe('2')
    expect(kube.podSelectors).toContain(`job-name=${jobs[2].metadata?.name}`)
  })

  it('shard-mode indexed: one Indexed Job after the listing; an image that does not pick its shard is an error, not a pass', async () => {
    const { inputs, kube, deps } = setup({ shards: '2', 'shard-mode': 'indexed' })
    kube.jobStatuses = [{ ...completed, completedIndexes: '0,1' }]
    kube.podSequence = [[terminatedPod(0, 'Completed')]]
    // The listing, then each index's pod: -test.run=^$ and no TestMain opt-in runs nothing.
    kube.logReads = [
      timestamped('test-list-shards.txt'),
      timestamped('no-tests.txt'),
      timestamped('no-tests.txt')
    ]
    const report = await run(inputs, deps)
    const jobs = kube.created.filter((o) => o.kind === 'Job')
    expect(jobs.map((j) => j.metadata?.name)).toEqual([
      expect.stringMatching(/^tests-.*-list$/),
      expect.not.stringMatching(/-list$|-s\d$/)
    ])
    expect(jobs[1].spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
      backoffLimitPerIndex: 0
    })
    expect(kube.podSelectors).toContain(
      `job-name=${jobs[1].metadata?.name},batch.kubernetes.io/job-completion-index=1`
    )
    expect(report).toMatchObject({
      status: 'error',
      headline: expect.stringMatching(/^The Indexed Job's pods ran no test: the image's TestMain/)
    })
  })

  it('image-load push: the pushed image by digest, pulled with a pull Secret by the listing and every shard', async () => {
    const password = 'gh0-s3cr3t-t0ken'
    const digest = 'sha256:' + '4d'.repeat(32)
    const { inputs, exec, kube, log, deps } = setup({
      'image-load': 'push',
      registry: '10.200.0.1:5000/tests',
      'registry-username': 'ci-bot',
      'registry-password': password,
      shards: '2'
    })
    exec.on((c) => c.args[0] === 'push', {
      stdout: `The push refers to repository [10.200.0.1:5000/tests/tests]\nabababababab: digest: ${digest} size: 528\n`
    })
    kube.jobStatuses = [completed]
    kube.podSequence = [[terminatedPod(0, 'Completed')]]
    kube.logReads = [timestamped('test-list-shards.txt')]
    const report = await run(inputs, deps)

    const image = `10.200.0.1:5000/tests/tests@${digest}`
    expect(report.image).toBe(image)
    expect(exec.commandLines().filter((l) => / (tag|login|push|logout) .*10\.200/.test(l))).toEqual(
      [
        'docker tag in-cluster-test/tests:abababababab 10.200.0.1:5000/tests/tests:abababababab',
        'docker login 10.200.0.1:5000 --username ci-bot --password-stdin',
        'docker push 10.200.0.1:5000/tests/tests:abababababab',
        'docker logout 10.200.0.1:5000'
      ]
    )
    // The password went to docker login's stdin only: no argv, environment, log or file has it.
    for (const c of exec.calls)
      expect(JSON.stringify([c.command, c.args, c.options?.env])).not.toContain(password)
    expect(log.text()).not.toContain(password)
    expect(fs.readFileSync(path.join(inputs.outputDir, 'test-image.log'), 'utf8')).not.toContain(
      password
    )

    const pull = kube.applied.find(
      (o) => (o as { type?: string }).type === 'kubernetes.io/dockerconfigjson'
    )!
    const pullName = pull.metadata!.name!
    expect(pullName).toBe(`${report.jobName}-pull`)
    const jobs = kube.created.filter((o) => o.kind === 'Job') as JobObject[]
    expect(jobs).toHaveLength(3)
    for (const j of jobs) {
      expect(j.spec.template.spec.containers[0]).toMatchObject({
        image,
        imagePullPolicy: 'IfNotPresent'
      })
      expect(j.spec.template.spec.imagePullSecrets).toEqual([{ name: pullName }])
    }
    // Deleted with the run, like the secret-env Secret; the post step has nothing left to do.
    expect(kube.deleted).toContainEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      name: pullName,
      namespace: 'example'
    })
    expect(registryLogins(deps.state).hosts).toEqual([])
    expect(createdObjects(deps.state).objects.filter((o) => o.kind === 'Secret')).toEqual([])
  })

  it('image-load push without credentials: no login, no pull Secret', async () => {
    const digest = 'sha256:' + '4d'.repeat(32)
    const { inputs, exec, kube, deps } = setup({ 'image-load': 'push', registry: 'ghcr.io/acme' })
    exec.on((c) => c.args[0] === 'push', { stdout: `abababababab: digest: ${digest} size: 528\n` })
    kube.jobStatuses = [completed]
    kube.podSequence = [[terminatedPod(0, 'Completed')]]
    kube.logReads = [timestamped('pass.txt')]
    const report = await run(inputs, deps)
    expect(report).toMatchObject({ status: 'passed', image: `ghcr.io/acme/tests@${digest}` })
    expect(exec.commandLines().some((l) => /docker log(in|out)/.test(l))).toBe(false)
    expect(kube.applied.some((o) => o.kind === 'Secret')).toBe(false)
    const job = kube.created.find((o) => o.kind === 'Job') as JobObject
    expect(job.spec.template.spec).not.toHaveProperty('imagePullSecrets')
  })

  it('ends in status error, naming the cluster, when the API does not answer', async () => {
    const { inputs, kube, deps } = setup()
    kube.versionError = new Error(
      'The Kubernetes API at https://127.0.0.1:6443 (from /k) did not answer'
    )
    const report = await run(inputs, deps)
    expect(report).toMatchObject({
      status: 'error',
      headline: 'The Kubernetes API at https://127.0.0.1:6443 (from /k) did not answer'
    })
    expect(kube.created).toEqual([])
    expect(fs.existsSync(path.join(inputs.outputDir, 'results.json'))).toBe(true)
  })
})
