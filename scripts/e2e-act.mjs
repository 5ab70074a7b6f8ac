// The action through a real workflow engine: nektos/act (built from its Go module by
// scripts/act.sh) runs workflow files with `uses: ./` on the self-hosted platform, so the steps
// run on this machine against the local cluster. act reads action.yml as a runner does (an
// expression where none is allowed stops it), maps `with:` to inputs, runs main with the node of
// the job's PATH (Node 24 here, as `using: node24`), runs post under post-if and hands outputs to
// later steps. What this machine needs instead of a registry and kind goes in as repository
// variables (--var); the workflow files fall back to the README's values without them.
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseFileCommands } from './lib/run-action.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const work = path.join(root, '.e2e', 'act')
fs.rmSync(work, { recursive: true, force: true })
fs.mkdirSync(work, { recursive: true })
const kubeconfig = process.env.KUBECONFIG_PATH
const node24 = process.env.NODE24
const act = execFileSync('bash', [path.join(root, 'scripts/act.sh')], { encoding: 'utf8' }).trim()
const secret = `act-jwt-${Date.now()}-not-a-real-secret`

const failures = []
let passed = 0
function check(name, ok, detail = '') {
  if (ok) passed++
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`)
  if (!ok) failures.push(name)
}
const kubectl = (...args) =>
  execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' })

// What the local cluster needs in place of kind and a registry (scripts/e2e.sh exports these).
const localVars = {
  CLUSTER: 'existing',
  KUBECONFIG_PATH: kubeconfig,
  IMAGE_LOAD: 'bash hack/local-cluster/load-image.sh {image}',
  BUILD_ARG: process.env.GO_BUILD_ARG,
  SERVICE_IMAGE: 'example/workflows:e2e',
  MORE_IMAGES: 'local/postgres:15',
  MANIFESTS: 'example/deploy-local'
}

/** Runs one workflow through act; resolves with its exit code, its whole output and the time. */
function runAct(name, workflow, { vars = {}, secrets = {}, args = [] } = {}) {
  const argv = [
    'push',
    '--workflows',
    workflow,
    // The self-hosted platform: steps run on this machine (no job container, no image pull).
    '--platform',
    'ubuntu-latest=-self-hosted',
    // act's cache server (actions/cache, used by comment-on-pr's baseline) on loopback only.
    '--cache-server-addr',
    '127.0.0.1',
    '--artifact-server-addr',
    '127.0.0.1',
    '--verbose',
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}=${v}`]),
    // act reads --secret K=V; the value never goes on a command line that a log could show,
    // since act prints neither its argv nor the secrets.
    ...Object.entries(secrets).flatMap(([k, v]) => ['--secret', `${k}=${v}`]),
    ...args
  ]
  const env = { ...process.env, PATH: `${path.dirname(node24)}:${process.env.PATH}` }
  delete env.KUBECONFIG
  const log = path.join(work, `${name}.log`)
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(act, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks = []
    for (const s of [child.stdout, child.stderr]) s.on('data', (d) => chunks.push(d))
    child.on('error', reject)
    child.on('close', (code) => {
      const output = Buffer.concat(chunks).toString('utf8')
      fs.writeFileSync(log, output)
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      console.log(
        `\n--- act ${name}: exit ${code} in ${seconds}s (log ${path.relative(root, log)})`
      )
      resolve({ code, output })
    })
  })
}

/** The `later-step:` lines the workflow's later step printed, as key=value pairs. */
function laterStep(output) {
  const values = {}
  for (const m of output.matchAll(/later-step: (.*)$/gm))
    for (const kv of m[1].matchAll(/([\w-]+)=(\S*)/g)) values[kv[1]] = kv[2]
  return values
}
/** act's verdict line for a step ("✅  Success - Main …" / "❌  Failure - Post …"). */
const stepResult = (output, phase, step) =>
  output.match(new RegExp(`(Success|Failure) - ${phase} ${step}`))?.[1]
/** The test Job of a run, if it is still in the cluster. */
function jobLeft(job) {
  if (!job) return 'no job name'
  return kubectl('-n', 'example', 'get', 'job', job, '--ignore-not-found', '-o', 'name').trim()
}

// The direct run of the same suite (scripts/e2e.mjs, the passing case) is the reference counts.
// E2E_ONLY=act runs without it: then the counts need only be those of a passing run.
const referenceFile = path.join(root, '.e2e', 'pass', 'output')
const reference = fs.existsSync(referenceFile)
  ? parseFileCommands(fs.readFileSync(referenceFile, 'utf8'))
  : undefined
const sameAsDirect = (later) =>
  reference
    ? later.passed === reference['tests-passed'] &&
      later.skipped === reference['tests-skipped'] &&
      later.coverage === reference.coverage
    : Number(later.passed) > 5 && Number(later.coverage) > 0

const usage = 'scripts/act/usage.yml'
{
  const r = await runAct('usage-pass', usage, {
    vars: localVars,
    secrets: { JWT_SECRET: secret }
  })
  // act logs the command it runs the action with: the node of the job's PATH, then main.
  const mainCommand = r.output.match(
    /executing remote job container: \[(\S+) \S+\/dist\/main\/index\.js\]/
  )
  const version = mainCommand
    ? execFileSync(mainCommand[1], ['--version'], { encoding: 'utf8' }).trim()
    : ''
  check(
    'act: action.yml loads and main runs (node24)',
    !/expressions are not allowed here|Failed to load|Unrecognized named-value/.test(r.output) &&
      stepResult(r.output, 'Main', './') === 'Success' &&
      /^v24\./.test(version),
    `${mainCommand?.[0] ?? 'main never ran'} ${version}; ${r.output.match(/.*(expressions|Failed to load|Error).*/)?.[0] ?? ''}`
  )
  const later = laterStep(r.output)
  check(
    'act: a later step reads status, counts, coverage and KUBECONFIG',
    later.status === 'passed' &&
      later.failed === '0' &&
      sameAsDirect(later) &&
      /KUBECONFIG=\S+ reaches namespace\/example/.test(r.output) &&
      r.code === 0,
    `act exit ${r.code}; later step ${JSON.stringify(later)}; direct run ${JSON.stringify(reference ?? 'not run')}`
  )
  check(
    'act: the post step ran and removed the test Job',
    stepResult(r.output, 'Post', './') === 'Success' && jobLeft(later.job) === '',
    `post ${stepResult(r.output, 'Post', './')}; job ${later.job}: ${jobLeft(later.job)}`
  )
  check(
    "act: no secret value in act's output",
    r.output.length > 0 && !r.output.includes(secret),
    r.output.match(new RegExp(`.*${secret}.*`))?.[0]
  )
}
{
  const r = await runAct('usage-fail', usage, {
    vars: { ...localVars, EXAMPLE_FAIL: '1' },
    secrets: { JWT_SECRET: secret }
  })
  const later = laterStep(r.output)
  check(
    'act: the failing case fails the step, always() steps read the outputs, post cleans up',
    r.code !== 0 &&
      stepResult(r.output, 'Main', './') === 'Failure' &&
      later.status === 'failed' &&
      Number(later.failed) >= 1 &&
      later['failed-tests']?.includes('TestDeliberateFailure') &&
      stepResult(r.output, 'Post', './') === 'Success' &&
      jobLeft(later.job) === '',
    `act exit ${r.code}; main ${stepResult(r.output, 'Main', './')}; later ${JSON.stringify(later)}; post ${stepResult(r.output, 'Post', './')}; job left: ${jobLeft(later.job)}`
  )
  check("act: no secret value in act's output (failing case)", !r.output.includes(secret))
}
{
  // Bad input: the step fails before any cluster work, and an always() step still reads why.
  const r = await runAct('bad-input', 'scripts/act/bad-input.yml')
  const later = laterStep(r.output)
  check(
    'act: bad input fails the step naming the input; always() steps read status error and the diagnosis',
    r.code !== 0 &&
      stepResult(r.output, 'Main', './') === 'Failure' &&
      /::error::Input 'cluster'/.test(r.output) &&
      later.status === 'error' &&
      /later-step: diagnosis=Input 'cluster'/.test(r.output),
    `act exit ${r.code}; ${JSON.stringify(later)}`
  )
}
{
  // Our own e2e.yml as GitHub runs it, its pass case: `cluster: kind`, the default, when
  // hack/kind/up.sh made kind work here (KIND, NODE_IMAGE, KIND_CONFIG from scripts/e2e.sh), with
  // ArgoCD's images and the service's loaded by kind load; else against the local cluster. ArgoCD
  // deploys from the local git source, and upload-artifact is replaced by a local stand-in (act
  // would clone actions/upload-artifact from GitHub, which this machine cannot reach).
  const artifacts = path.join(work, 'artifacts')
  const onKind = Boolean(process.env.KIND && process.env.NODE_IMAGE && process.env.KIND_CONFIG)
  const where = onKind
    ? {
        BUILD_ARG: process.env.GO_BUILD_ARG,
        SERVICE_IMAGE: localVars.SERVICE_IMAGE,
        KIND_PATH: process.env.KIND,
        KUBECTL_PATH: 'kubectl',
        NODE_IMAGE: process.env.NODE_IMAGE,
        KIND_CONFIG: process.env.KIND_CONFIG,
        MORE_IMAGES: [
          localVars.MORE_IMAGES,
          process.env.ARGOCD_IMAGE,
          process.env.ARGOCD_REDIS_IMAGE
        ].join('\n')
      }
    : { ...localVars, MANIFESTS: '' }
  const r = await runAct('e2e-yml-pass', '.github/workflows/e2e.yml', {
    vars: {
      ...where,
      APP_PATH: 'example/deploy-local',
      APP_REPO: process.env.APP_REPO,
      APP_REVISION: process.env.APP_REVISION,
      ARGOCD_MANIFEST: process.env.ARGOCD_MANIFEST,
      ARGOCD_IMAGE: process.env.ARGOCD_IMAGE,
      ARGOCD_REDIS_IMAGE: process.env.ARGOCD_REDIS_IMAGE
    },
    args: [
      '--job',
      'e2e',
      '--matrix',
      'case:pass',
      '--local-repository',
      `actions/upload-artifact@v5=${path.join(root, 'scripts/act/upload-artifact')}`,
      '--env',
      `ACT_STAND_IN_ARTIFACTS=${artifacts}`
    ]
  })
  check(
    "act: .github/workflows/e2e.yml's pass case passes",
    r.code === 0 &&
      stepResult(r.output, 'Main', 'Run the example') === 'Success' &&
      stepResult(r.output, 'Main', 'Check the outputs') === 'Success' &&
      stepResult(r.output, 'Post', 'Run the example') === 'Success' &&
      fs.existsSync(path.join(artifacts, 'e2e-pass')),
    `act exit ${r.code}: ${r.output
      .match(/.*(Failure|Error:).*/g)
      ?.slice(0, 5)
      .join(' / ')}`
  )
  if (onKind) {
    // The default path end to end through the engine: kind create, kind load, post deletes it.
    const clusters = execFileSync(process.env.KIND, ['get', 'clusters'], { encoding: 'utf8' })
    const containers = execFileSync(
      'docker',
      ['ps', '-a', '--filter', 'label=io.x-k8s.kind.cluster=e2e-pass', '--format', '{{.Names}}'],
      { encoding: 'utf8' }
    ).trim()
    check(
      'act: the default cluster: kind path runs (kind create, kind load, the post step deletes the cluster)',
      r.code === 0 &&
        /create cluster --name e2e-pass/.test(r.output) &&
        // The service's images go in one batch (`load docker-image a b … --name e2e-pass`).
        /load docker-image (\S+ )*example\/workflows:e2e (\S+ )*--name e2e-pass/.test(r.output) &&
        !clusters.split('\n').includes('e2e-pass') &&
        containers === '',
      `act exit ${r.code}; kind get clusters: ${clusters.trim()}; containers: ${containers}`
    )
  } else
    console.log(
      'act: kind is not set up here (hack/kind/up.sh failed): e2e.yml ran on the local cluster'
    )
}

if (failures.length > 0) {
  console.error(`\nact: ${passed} passed, ${failures.length} failed: ${failures.join(', ')}`)
  process.exit(1)
}
console.log(`\nact: ${passed} passed, 0 failed`)
