// The fault suite: the real action against real faults on the local cluster. Each case checks
// the status output, the diagnosis headline, that the log written so far is kept, and that
// cleanup ran (the post step succeeded, the main step's exit code matches the status, and no
// Secret the action created is left behind). Some cases act on the cluster while the action runs
// (delete the test pod, restart the API server). Prints a table: fault → status → headline → log
// kept → cleanup. The suite runs in its own namespace (FAULTS_NAMESPACE, default example-faults)
// with its own PostgreSQL, so it does not depend on the end-to-end run's namespace.
// FAULTS_ONLY=regex runs only the matching cases.
import { execFile, execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseAllDocuments, stringify } from 'yaml'
import { exampleEnv, exampleInputs } from './lib/example-inputs.mjs'
import { getManaged, localCluster, MANAGED_BY } from './lib/kubectl.mjs'
import { runAction } from './lib/run-action.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const work = path.join(root, '.e2e', 'faults')
fs.rmSync(work, { recursive: true, force: true })
fs.mkdirSync(work, { recursive: true })

const ns = process.env.FAULTS_NAMESPACE ?? 'example-faults'
const { kubectl } = localCluster(root)
const pidDir = '/var/lib/in-cluster-test/cluster/pids'
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`

// --- the namespace: PostgreSQL and its credentials, as example/deploy has them ----------------
/** example/deploy/postgres.yaml with its Namespace, moved into `namespace`; the file's path. */
function postgresManifest(namespace) {
  const docs = parseAllDocuments(
    fs.readFileSync(path.join(root, 'example/deploy/postgres.yaml'), 'utf8')
  ).map((d) => d.toJS())
  for (const d of docs) {
    d.metadata.namespace = namespace
    for (const c of d.spec?.template?.spec?.containers ?? [])
      if (c.image === 'postgres') c.image = 'local/postgres:15'
  }
  const manifest = path.join(work, `postgres-${namespace}.yaml`)
  fs.writeFileSync(
    manifest,
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, ...docs]
      .map((d) => stringify(d))
      .join('---\n')
  )
  return manifest
}

/** PostgreSQL running in `namespace` (created if need be). */
function deployPostgres(namespace) {
  kubectl(['apply', '--server-side', '-f', postgresManifest(namespace)])
  kubectl(['-n', namespace, 'rollout', 'status', 'statefulset/postgres', '--timeout=180s'])
}

function setUp() {
  const t = Date.now()
  // A namespace of an earlier run may still be terminating (kept ones are reused).
  const phase = kubectl(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}'], {
    check: false
  }).stdout
  if (phase === 'Terminating')
    kubectl(['wait', '--for=delete', `namespace/${ns}`, '--timeout=180s'], { check: false })
  execFileSync('bash', ['hack/local-cluster/load-image.sh', 'local/postgres:15'], {
    cwd: root,
    stdio: 'ignore'
  })
  deployPostgres(ns)
  console.log(`namespace ${ns} with PostgreSQL ready in ${secs(Date.now() - t)}`)
}

// --- helpers for cases that act while the action runs -----------------------------------------
/** Waits until the test log (written by the action as it streams) matches `re`. */
async function waitForLog(file, re, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (fs.existsSync(file) && re.test(fs.readFileSync(file, 'utf8'))) return true
    await sleep(250)
  }
  return false
}

/** The running test pod of this namespace (the suite runs one case at a time). */
function runningTestPod() {
  return getManaged(kubectl, ns, 'pods', 'jsonpath={.items[*].metadata.name}', {
    flags: ['--field-selector=status.phase=Running']
  })
    .split(/\s+/)
    .filter(Boolean)
}

const pidOf = (name) => Number(fs.readFileSync(path.join(pidDir, `${name}.pid`), 'utf8').trim())
const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A Job template: the default one with `edit` applied to its test container. */
function template(name, edit) {
  const job = parseAllDocuments(
    fs.readFileSync(path.join(root, 'templates/test-job.yaml'), 'utf8')
  )[0].toJS()
  edit(job.spec.template.spec.containers[0])
  const file = path.join(work, `${name}.yaml`)
  fs.writeFileSync(file, stringify(job))
  return file
}

/**
 * The example service deployed into the suite's namespace by the action (its `manifests`), with
 * the crash endpoint switched on; PostgreSQL and its credentials are the suite's.
 */
function crashingService() {
  const docs = parseAllDocuments(
    fs.readFileSync(path.join(root, 'example/deploy/workflows.yaml'), 'utf8')
  ).map((d) => d.toJS())
  for (const d of docs) {
    d.metadata.namespace = ns
    for (const c of d.spec?.template?.spec?.containers ?? []) {
      if (c.image !== 'example/workflows') continue
      c.image = 'example/workflows:e2e'
      if (d.kind === 'Deployment')
        c.env = [...(c.env ?? []), { name: 'WORKFLOWS_DEBUG_CRASH', value: '1' }]
    }
  }
  const file = path.join(work, 'workflows-crashing.yaml')
  fs.writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'))
  return file
}

/** A setup Job (the kind a database migration is) whose command differs by version. */
function setupJob(version) {
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'db-setup', namespace: ns },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'setup',
              image: 'local/postgres:15',
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', `echo setup version ${version}`]
            }
          ]
        }
      }
    }
  }
  const file = path.join(work, `db-setup-${version}.yaml`)
  fs.writeFileSync(file, stringify(job))
  return file
}

/** The files the action collected of the service under test, and their text. */
function serviceLogs(outputDir) {
  const dir = path.join(outputDir, 'service', ns)
  if (!fs.existsSync(dir)) return {}
  const out = {}
  for (const pod of fs.readdirSync(dir))
    for (const f of fs.readdirSync(path.join(dir, pod)))
      out[`${pod}/${f}`] = fs.readFileSync(path.join(dir, pod, f), 'utf8')
  return out
}

// --- namespaces an earlier run left terminating (issue 28) -----------------------------------
// The suite's own namespaces besides `ns`: one deleted without waiting right before a run, and
// one that a finalizer nothing removes keeps terminating.
const againNs = `${ns}-again`
const heldNs = `${ns}-held`
const HOLD = 'in-cluster-test.example/hold'

/** The phase of a namespace, '' when there is none. */
const phaseOf = (namespace) =>
  kubectl(['get', 'namespace', namespace, '-o', 'jsonpath={.status.phase}'], { check: false })
    .stdout

/** A namespace holding a ConfigMap with a finalizer nothing removes, then deleted. */
function holdTerminating(namespace) {
  kubectl(['create', 'namespace', namespace])
  const cm = path.join(work, `held-${namespace}.yaml`)
  fs.writeFileSync(
    cm,
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace, finalizers: [HOLD] },
      data: { why: 'keeps its namespace terminating until the fault suite lets go' }
    })
  )
  kubectl(['apply', '-f', cm])
  kubectl(['delete', 'namespace', namespace, '--wait=false'])
}

/** Lets a held namespace go: the ConfigMap's finalizer removed, the namespace then deleted. */
function release(namespace) {
  kubectl(
    [
      '-n',
      namespace,
      'patch',
      'configmap',
      'held',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}'
    ],
    { check: false }
  )
  kubectl(['wait', '--for=delete', `namespace/${namespace}`, '--timeout=60s'], { check: false })
}

// A test pod that cannot start is given up on after stuck-timeout (1m by default): 15s keeps the
// four such cases short, and two of them check the log says so.
const base = {
  ...exampleInputs('fault-suite-jwt-secret-0123456789', ns),
  timeout: '2m',
  'stuck-timeout': '15s'
}
const env = (extra) => exampleEnv(extra, ns)

const cases = [
  {
    fault: 'test binary exceeds its memory limit',
    inputs: {
      env: env('EXAMPLE_OOM: "1"'),
      'memory-limit': '96Mi',
      'test-args': '-test.v -test.run TestDeliberateMemoryHog'
    },
    status: 'error',
    headline: /^Tests were killed: out of memory \(limit 96Mi\)/,
    log: /holding \d+ MiB/
  },
  {
    fault: 'Job deadline exceeded',
    inputs: {
      env: env('EXAMPLE_HANG: "1"'),
      timeout: '20s',
      'test-args': '-test.v -test.run TestDeliberateHang'
    },
    status: 'timeout',
    headline: /^Tests did not finish within the timeout \(20s\)/,
    log: /waiting forever/
  },
  {
    fault: 'a test panics',
    inputs: {
      env: env('EXAMPLE_PANIC: "1"'),
      'test-args': '-test.v -test.run TestDeliberatePanic'
    },
    status: 'failed',
    headline: /^A test panicked: runtime error: invalid memory address or nil pointer dereference/,
    log: /goroutine \d+ \[running\]/
  },
  {
    fault: 'missing Secret',
    inputs: { env: env(''), 'env-from-secrets': 'postgres-credentials\ndoes-not-exist' },
    status: 'error',
    headline: /^The test container could not start: secret "does-not-exist" not found/,
    log: /^$/
  },
  {
    fault: 'missing Secret key',
    inputs: () => ({
      env: env(''),
      'job-template': template('missing-key', (c) =>
        c.env.push({
          name: 'API_TOKEN',
          valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'API_TOKEN' } }
        })
      )
    }),
    status: 'error',
    headline: new RegExp(
      `^The test container could not start: the Secret ${ns}/postgres-credentials has no key API_TOKEN`
    ),
    log: /^$/
  },
  {
    fault: 'image not loaded',
    inputs: { env: env(''), image: 'example/never-loaded:v1', 'image-load': 'none' },
    status: 'error',
    headline:
      /^The test image example\/never-loaded:v1 could not be pulled \((ErrImagePull|ImagePullBackOff)\)/,
    log: /^$/,
    // Given up on after the suite's stuck-timeout, and said so while the output group was open.
    mainLog:
      /Gave up on Job tests-\S+: the test pod stayed (ErrImagePull|ImagePullBackOff) for 15 s \(stuck-timeout\)/
  },
  {
    fault: 'unschedulable resources',
    inputs: () => ({
      env: env(''),
      // The template's request, not the limit input, is what the scheduler checks.
      'job-template': template('huge-request', (c) => {
        c.resources = { requests: { memory: '4Ti' }, limits: { memory: '4Ti' } }
      })
    }),
    status: 'error',
    headline:
      /^The test pod could not be scheduled \(it requests memory 4Ti\): 0\/1 nodes are available: 1 Insufficient memory/,
    log: /^$/,
    mainLog:
      /Gave up on Job tests-\S+: the test pod stayed Unschedulable for 15 s \(stuck-timeout\)/
  },
  {
    fault: 'pod deleted mid-run',
    inputs: {
      env: env('EXAMPLE_SLOW_SECONDS: "60"'),
      'test-args': '-test.v -test.run TestDeliberateSlow'
    },
    // Delete the pod once the test has printed a few lines: the action must keep them.
    during: async ({ logFile }) => {
      if (!(await waitForLog(logFile, /slow tick 3\/60/, 240_000)))
        return { ok: false, note: 'the test never reached tick 3' }
      const pods = runningTestPod()
      if (pods.length !== 1) return { ok: false, note: `running test pods: ${pods}` }
      kubectl(['-n', ns, 'delete', 'pod', pods[0], '--wait=false'])
      return { ok: true, note: `deleted pod ${pods[0]}` }
    },
    status: 'error',
    headline: /^The test pod .* was deleted while the tests ran/,
    log: /slow tick 3\/60/,
    // Nothing after the deletion may be invented, and the test never finished.
    extra: (logText) => !/slow test done/.test(logText)
  },
  {
    fault: 'kube-apiserver restarted mid-watch',
    inputs: {
      env: env('EXAMPLE_SLOW_SECONDS: "40"'),
      'test-args': '-test.v -test.run TestDeliberateSlow'
    },
    // Kill the API server while the test runs and start it again: the watch and the log
    // stream must recover, and the run pass with every line of the log.
    during: async ({ logFile }) => {
      if (!(await waitForLog(logFile, /slow tick 3\/40/, 240_000)))
        return { ok: false, note: 'the test never reached tick 3' }
      const before = pidOf('kube-apiserver')
      const t = Date.now()
      process.kill(before, 'SIGKILL')
      while (alive(before)) await sleep(100)
      const down = Date.now()
      // Stay down for three of the watch's 2 s polls: up.sh can have a new API server serving
      // within 2 s, an outage a poll may fall between (seen once in CI: the watch never noticed).
      const outageMs = 6000
      await sleep(outageMs)
      // Asynchronously: the action's output must keep flowing meanwhile.
      const up = await new Promise((resolve) =>
        execFile('bash', ['hack/local-cluster/up.sh'], { cwd: root }, (e) => resolve(e))
      )
      if (up) return { ok: false, note: `up.sh failed: ${up.message}` }
      const after = pidOf('kube-apiserver')
      return {
        ok: after !== before && alive(after),
        note: `killed kube-apiserver ${before}, up again as ${after} after ${secs(Date.now() - down)}, ${secs(outageMs)} of it down on purpose (kill took ${secs(down - t)})`
      }
    },
    status: 'passed',
    headline: /^$/,
    log: /slow tick 40\/40[\s\S]*slow test done after 40 ticks[\s\S]*--- PASS: TestDeliberateSlow/,
    // Every tick exactly once: the reconnect neither lost nor repeated a line.
    extra: (logText) =>
      Array.from({ length: 40 }, (_, i) => i + 1).every(
        (i) => logText.split(`slow tick ${i}/40\n`).length === 2
      ),
    // The watch saw the outage, and the log stream came back while the test still ran (tick 39
    // printed live, before the watch saw the pod finish), not only with the final read.
    mainLog: /Lost contact with the API server[\s\S]*slow tick 39\/40[\s\S]*Test pod: Succeeded/
  },
  {
    fault: 'service crashes during the tests',
    // The deliberate test asks the deployed service to exit, then fails: the headline names the
    // failure and the service's restart, and the service's last lines are in the summary.
    inputs: () => ({
      env: env(`EXAMPLE_CRASH_URL: http://workflows.${ns}.svc.cluster.local`),
      'test-args': '-test.v -test.run TestDeliberateServiceCrash',
      'load-images': 'example/workflows:e2e',
      manifests: crashingService()
    }),
    status: 'failed',
    headline:
      /^1 test failed: TestDeliberateServiceCrash; meanwhile workflows-[\w-]+ (restarted|exited): Error \(exit 3\)\.$/,
    log: /the service dropped the request: it crashed/,
    summary:
      /### Service under test[\s\S]*\| `example-faults\/workflows-[\w-]+` \| [01]\/1 \| [01] \| (restarted|exited): Error \(exit 3\)[\s\S]*crashing on request/,
    // The crashed instance's log, with its last line, is among the collected files; so is the
    // database's, with the test's connections of the window.
    outputs: (outputDir) => {
      const logs = serviceLogs(outputDir)
      const names = Object.keys(logs)
      return (
        names.some(
          (n) =>
            /^workflows-.*\/workflows(\.previous)?\.log$/.test(n) &&
            /crashing on request/.test(logs[n])
        ) &&
        names.some(
          (n) => /^postgres-0\/postgres\.log$/.test(n) && /connection authorized/.test(logs[n])
        )
      )
    },
    after: () =>
      kubectl(['delete', '-f', path.join(work, 'workflows-crashing.yaml'), '--wait=false'], {
        check: false
      })
  },
  {
    fault: 'a manifests Job edited since an earlier run (immutable template)',
    // A database setup Job that an earlier run on the same cluster applied; this run's manifests
    // change its command, which Kubernetes refuses ("field is immutable"): the action replaces it.
    before: () => {
      kubectl(['apply', '--server-side', '--field-manager=in-cluster-test', '-f', setupJob(1)])
      kubectl(['-n', ns, 'wait', '--for=condition=complete', 'job/db-setup', '--timeout=120s'])
    },
    inputs: () => ({
      env: env('EXAMPLE_SLOW_SECONDS: "1"'),
      'test-args': '-test.v -test.run TestDeliberateSlow',
      manifests: setupJob(2)
    }),
    status: 'passed',
    headline: /^$/,
    log: /slow test done after 1 ticks/,
    // Said in one line, never with the API's dump of the old and new template.
    mainLog: {
      test: (text) =>
        new RegExp(
          `Replaced Job ${ns}/db-setup: its spec changed and the field is immutable[\\s\\S]*Ready: Job/db-setup in ${ns}`
        ).test(text) && !/PodTemplateSpec\{/.test(text)
    },
    after: () => kubectl(['-n', ns, 'delete', 'job', 'db-setup', '--wait=false'], { check: false })
  },
  {
    fault: 'ArgoCD app never Healthy',
    // example/deploy-broken: a Deployment whose image is on no node, with a 15 s progress
    // deadline, deployed through ArgoCD (installed by the action) from the git daemon.
    inputs: {
      env: env(''),
      argocd: 'true',
      'argocd-manifest': process.env.ARGOCD_MANIFEST,
      'argocd-image': process.env.ARGOCD_IMAGE,
      'argocd-redis-image': process.env.ARGOCD_REDIS_IMAGE,
      'app-repo': process.env.APP_REPO,
      'app-revision': process.env.APP_REVISION,
      'app-path': 'example/deploy-broken',
      'app-namespace': 'example-broken',
      'deploy-timeout': '3m'
    },
    status: 'error',
    // Degraded outlasts its grace: the headline names the Deployment and what its pod says; or the
    // pod's image wait outlasts stuck-timeout first (seen in CI): the pod and what it says. Either
    // long before deploy-timeout.
    headline:
      /^ArgoCD Application in-cluster-test-example-broken in argocd (failed: health Degraded.*Deployment\/workflows in example-broken.*|cannot become Healthy: )Pod workflows-[\w-]+: (ErrImagePull|ImagePullBackOff): container workflows \(image (docker\.io\/)?example\/workflows:never-loaded\)/,
    log: /^$/,
    after: () => {
      kubectl(
        ['-n', 'argocd', 'delete', 'application', 'in-cluster-test-example-broken', '--wait=true'],
        {
          check: false
        }
      )
      kubectl(['delete', 'namespace', 'example-broken', '--wait=false'], { check: false })
    }
  },
  {
    fault: 'a namespace still terminating from an earlier run is waited out',
    namespace: againNs,
    // An earlier run's namespace with its database, deleted without waiting (as a cleanup that
    // does not wait does), and this run started at once into the same namespace with the same
    // manifests: it waits until the namespace is gone, creates it again and passes.
    before: () => {
      deployPostgres(againNs)
      kubectl(['delete', 'namespace', againNs, '--wait=false'])
      const phase = phaseOf(againNs)
      if (phase !== 'Terminating')
        throw new Error(`namespace ${againNs} is ${phase || 'gone'} right after its deletion`)
    },
    inputs: () => ({
      namespace: againNs,
      env: exampleEnv('EXAMPLE_SLOW_SECONDS: "1"', againNs),
      'test-args': '-test.v -test.run TestDeliberateSlow',
      manifests: postgresManifest(againNs),
      // The database's pod takes its time to go: the bound is not what this case is about.
      'stuck-timeout': '2m'
    }),
    status: 'passed',
    headline: /^$/,
    log: /slow test done after 1 ticks/,
    // Waited for it (said once), then created it again: not a run that merely came late.
    mainLog: {
      test: (text) =>
        (
          text.match(
            new RegExp(
              `Namespace ${againNs} is still terminating \\(deleted by an earlier run\\?\\): waiting up to 120s \\(stuck-timeout\\)`,
              'g'
            )
          ) ?? []
        ).length === 1 && new RegExp(`Namespace ${againNs} is gone after \\d+s`).test(text)
    },
    after: () => kubectl(['delete', 'namespace', againNs, '--wait=false'], { check: false })
  },
  {
    fault: 'a namespace held by a finalizer nothing removes ends the run in error, naming it',
    namespace: heldNs,
    before: () => holdTerminating(heldNs),
    inputs: () => ({ namespace: heldNs, env: exampleEnv('', heldNs) }),
    status: 'error',
    headline: new RegExp(
      `^Namespace ${heldNs} is still terminating after 15s \\(stuck-timeout\\), held by NamespaceFinalizersRemaining: .*${HOLD.replace(/\./g, '\\.')}`
    ),
    log: /^$/,
    // Said once while it waited, and given up on at the suite's bound (15 s): the namespace is
    // still held then.
    mainLog: {
      test: (text) =>
        (
          text.match(
            new RegExp(`Namespace ${heldNs} is still terminating .*waiting up to 15s`, 'g')
          ) ?? []
        ).length === 1
    },
    cluster: () => phaseOf(heldNs) === 'Terminating',
    // The finalizer is the suite's: removed whatever happened, so the namespace goes.
    after: () => release(heldNs)
  }
]

const only = process.env.FAULTS_ONLY ? new RegExp(process.env.FAULTS_ONLY) : undefined
const selected = cases.filter((c) => !only || only.test(c.fault))
setUp()

const rows = []
let failed = 0
for (const c of selected) {
  try {
    await runCase(c)
  } finally {
    c.after?.()
  }
}

async function runCase(c) {
  const name = c.fault.replace(/\W+/g, '-')
  const workDir = path.join(work, name)
  const outputDir = path.join(workDir, 'out')
  const logFile = path.join(outputDir, 'tests.log')
  const caseNs = c.namespace ?? ns
  c.before?.()
  const inputs = {
    ...base,
    ...(typeof c.inputs === 'function' ? c.inputs() : c.inputs),
    'output-dir': outputDir
  }
  const [r, during] = await Promise.all([
    runAction({ node: process.env.NODE24, root, workspace: root, workDir, inputs }),
    c.during?.({ logFile })
  ])
  const logText = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : undefined
  const leftSecrets = getManaged(kubectl, caseNs, 'secrets', 'name')
  const checks = {
    status: r.outputs.status === c.status,
    headline: c.headline.test(r.outputs.diagnosis ?? ''),
    'log kept':
      r.outputs['log-file'] === logFile && logText !== undefined && c.log.test(logText.trim()),
    cleanup:
      r.post.code === 0 && (r.main.code === 0) === (c.status === 'passed') && leftSecrets === ''
  }
  if (c.extra) checks.extra = logText !== undefined && c.extra(logText)
  if (c.mainLog) checks['main log'] = c.mainLog.test(r.main.stdout)
  if (c.summary)
    checks.summary = c.summary.test(fs.readFileSync(path.join(workDir, 'summary.md'), 'utf8'))
  if (c.outputs) checks['output-dir'] = c.outputs(outputDir)
  if (c.during) checks.during = during?.ok === true
  if (c.cluster) checks.cluster = c.cluster()
  // A stuck Job is left to its deadline by the action: remove it so the next case starts clean.
  const leftJobs = getManaged(
    kubectl,
    caseNs,
    'jobs',
    'jsonpath={range .items[?(@.status.active)]}{.metadata.name} {end}'
  )
  kubectl(['-n', caseNs, 'delete', 'jobs', '-l', MANAGED_BY], { check: false })
  const ok = Object.values(checks).every(Boolean)
  if (!ok) failed++
  rows.push([
    c.fault,
    r.outputs.status,
    (r.outputs.diagnosis ?? '').slice(0, 160),
    checks['log kept'] ? 'yes' : 'NO',
    checks.cleanup ? 'yes' : 'NO',
    secs(r.mainMs),
    ok ? 'ok' : 'FAIL'
  ])
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.fault} (${secs(r.mainMs)}): ${JSON.stringify(checks)}`)
  if (during) console.log(`     during the run: ${during.note}`)
  if (leftJobs) console.log(`     Job still active after the run (deleted now): ${leftJobs}`)
  if (!ok) {
    console.log(`     outputs: ${JSON.stringify(r.outputs)}`)
    if (leftSecrets) console.log(`     Secrets left: ${leftSecrets}`)
    console.log(`     main log: ${path.join(workDir, 'main.log')}`)
  }
}
console.log(
  '\n| fault | status | headline | logs kept | cleanup | time | result |\n| --- | --- | --- | --- | --- | --- | --- |'
)
for (const row of rows) console.log(`| ${row.join(' | ')} |`)
if (!process.env.FAULTS_KEEP_NAMESPACE)
  kubectl(['delete', 'namespace', ns, '--wait=false'], { check: false })
if (failed > 0) {
  console.error(`\nfaults: ${selected.length - failed} passed, ${failed} failed`)
  process.exit(1)
}
console.log(`\nfaults: ${selected.length} passed, 0 failed`)
