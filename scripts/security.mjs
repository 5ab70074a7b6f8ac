// The security suite: the bundled action against a hostile test image of our own
// (scripts/security/hostile, compiled with go-package), on the local cluster, in a namespace that
// enforces Pod Security "restricted". The image prints workflow commands in every form the runner
// honours, the secrets it was given and Markdown/HTML/regex syntax in test names and messages.
// Checks: the main step's stdout read the way the runner reads it honours no command of the
// image's; no secret in any file the action wrote; nothing live in the summary outside code;
// nothing of the run left in the cluster after main and post, also when main is killed with
// SIGTERM mid-run; a forged post state runs nothing. Run with `node --import tsx` (it uses the
// runner model in src/logs/untrusted.ts).
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { honouredCommands } from '../src/logs/untrusted.ts'
import { getManaged, localCluster } from './lib/kubectl.mjs'
import { runAction } from './lib/run-action.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const work = path.join(root, '.e2e', 'security')
fs.rmSync(work, { recursive: true, force: true })
fs.mkdirSync(work, { recursive: true })

const ns = process.env.SECURITY_NAMESPACE ?? 'security'
const { kubeconfig, kubectl } = localCluster(root)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const secret = 'hostile-secret-8c1f0e2a'
const dbPassword = 'hostile-db-password-3b7d'

let passed = 0
const failures = []
function check(name, ok, detail = '') {
  if (ok) passed++
  else failures.push(name)
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${String(detail).slice(0, 1500)}`}`)
}

// --- the namespace: restricted, with a Secret the test pod reads through env-from-secrets ------
function setUp() {
  kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=120s'])
  kubectl(['create', 'namespace', ns])
  kubectl([
    'label',
    'namespace',
    ns,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/enforce-version=latest'
  ])
  kubectl([
    '-n',
    ns,
    'create',
    'secret',
    'generic',
    'hostile-creds',
    `--from-literal=HOSTILE_DB_PASSWORD=${dbPassword}`
  ])
}

const base = {
  cluster: 'existing',
  kubeconfig,
  namespace: ns,
  context: 'scripts/security/hostile',
  'go-package': '.',
  image: 'security/hostile',
  'image-load': 'bash hack/local-cluster/load-image.sh {archive} {image}',
  'secret-env': `HOSTILE_SECRET: ${secret}`,
  'env-from-secrets': 'hostile-creds',
  timeout: '3m',
  'stuck-timeout': '30s'
}

function run(name, inputs, onMainStart) {
  const workDir = path.join(work, name)
  return runAction({
    node: process.env.NODE24,
    root,
    workspace: root,
    workDir,
    inputs: { ...base, ...inputs, 'output-dir': path.join(workDir, 'out') },
    onMainStart
  })
}

/** The run's Secrets and Jobs still in the namespace (waits for deletions in progress). */
async function leftovers(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = getManaged(kubectl, ns, 'secrets,jobs', 'name', { check: false })
    if (!left || Date.now() >= deadline) return left
    await sleep(1000)
  }
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile())
}

/** The summary with the contents of <code> elements and code fences taken out. */
function outsideCode(markdown) {
  return markdown
    .replace(/<code>[\s\S]*?<\/code>/g, '')
    .replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '')
}

setUp()

// --- 1. hostile output, failing tests ------------------------------------------------------------
const hostile = await run('hostile', { 'test-args': '-test.v' })
console.log(
  `--- hostile: main exit ${hostile.main.code}, post exit ${hostile.post.code}; outputs ${JSON.stringify(hostile.outputs)}`
)
check(
  'hostile: the tests ran and failed in the restricted namespace',
  hostile.outputs.status === 'failed' && Number(hostile.outputs['tests-passed']) >= 1,
  `${hostile.outputs.status}: ${hostile.outputs.diagnosis}`
)
const honoured = [
  ...honouredCommands(hostile.main.stdout),
  ...honouredCommands(hostile.post.stdout)
]
// The action's own annotations quote test names and messages (escaped, redacted): they are ours.
const ownAnnotation =
  /^::error title=TestHostileNames\/.* failed,file=scripts\/security\/hostile\/hostile_test\.go,line=\d+::/
// So is the step's failure message (core.setFailed), the diagnosis headline naming the tests.
const ownFailure = `::error::${hostile.outputs.diagnosis ?? ''}`
const theirs = honoured.filter((c) => !ownAnnotation.test(c) && c !== ownFailure)
check(
  "hostile: the runner would honour no command of the image's (stdout read as the runner reads it)",
  !theirs.some((c) => /pwned/i.test(c)) && honoured.some((c) => ownAnnotation.test(c)),
  theirs.filter((c) => /pwned/i.test(c)).join(' | ')
)
const annotationFiles = honoured
  .filter((c) => /^::(error|warning|notice)\b/.test(c))
  .map((c) => /[ ,]file=([^,:]*)/.exec(c)?.[1])
  .filter((f) => f !== undefined)
check(
  'hostile: every annotation the runner would show is in the workspace',
  annotationFiles.length > 0 && annotationFiles.every((f) => !/^(\/|\.\.)/.test(f)),
  annotationFiles.join(', ')
)
const written = [
  hostile.files.GITHUB_OUTPUT,
  hostile.files.GITHUB_STATE,
  hostile.files.GITHUB_STEP_SUMMARY,
  hostile.files.GITHUB_ENV,
  hostile.files.GITHUB_PATH,
  ...filesUnder(hostile.runnerTemp),
  ...filesUnder(path.join(work, 'hostile', 'out'))
].filter((f) => !f.endsWith('.tar') && !f.endsWith('.test'))
const leaking = written.filter((f) => {
  const text = fs.readFileSync(f, 'utf8')
  return text.includes(secret) || text.includes(dbPassword)
})
check(
  `hostile: no secret (secret-env, env-from-secrets) in any of the ${written.length} files the action wrote`,
  leaking.length === 0 && written.some((f) => f.endsWith('tests.log')),
  leaking.join(', ')
)
// The runner masks what main prints once it was told the value (add-mask, outside any block).
const masked = (value) => {
  const mask = hostile.main.stdout.indexOf(`::add-mask::${value}\n`)
  const first = hostile.main.stdout.replace(`::add-mask::${value}\n`, '').indexOf(value)
  return mask >= 0 && (first < 0 || first > mask)
}
check(
  'hostile: both secrets are masked before the first line that shows them',
  masked(secret) && masked(dbPassword),
  `${masked(secret)} ${masked(dbPassword)}`
)
check(
  'hostile: the forged save-state reached no state',
  !fs.readFileSync(hostile.files.GITHUB_STATE, 'utf8').includes('pwned'),
  fs.readFileSync(hostile.files.GITHUB_STATE, 'utf8')
)
const live = outsideCode(hostile.summary)
const liveMarkup = [/\]\(/, /!\[/, /<img/i, /<b>/i, /@octocat/, /https?:\/\/evil/, /(^|\s)#1\b/m]
check(
  'hostile: nothing live in the summary outside code (links, images, HTML, mentions, references)',
  !liveMarkup.some((re) => re.test(live)) && /Failed tests/.test(hostile.summary),
  liveMarkup
    .filter((re) => re.test(live))
    .map((re) => `${re}: ${live.match(re)?.index}`)
    .join(', ')
)
check(
  'hostile: every hostile subtest is listed',
  (hostile.outputs['failed-tests'] ?? '').includes('TestHostileNames/') &&
    JSON.parse(hostile.outputs['failed-tests'] ?? '[]').length >= 7,
  hostile.outputs['failed-tests']
)
check(
  'hostile: post step succeeded and nothing of the run is left',
  hostile.post.code === 0 && (await leftovers()) === '',
  `${hostile.post.code} ${getManaged(kubectl, ns, 'secrets,jobs', 'name', { check: false })}`
)

// --- 2. the test pod passes under "restricted" -----------------------------------------------------
const clean = await run('restricted', {
  env: 'HOSTILE_PASS: "1"',
  'test-args': '-test.v'
})
check(
  'restricted: a passing run in a namespace that enforces Pod Security "restricted"',
  clean.outputs.status === 'passed' && clean.main.code === 0,
  `${clean.outputs.status}: ${clean.outputs.diagnosis}`
)

// --- 3. main killed with SIGTERM mid-run (a cancelled workflow) -------------------------------
let killedAt = ''
const killed = await run(
  'sigterm',
  {
    env: 'HOSTILE_PASS: "1"\nHOSTILE_SLOW_SECONDS: "90"',
    'test-args': '-test.v -test.run TestWorkflowCommands'
  },
  (child) => {
    const log = path.join(work, 'sigterm', 'out', 'tests.log')
    void (async () => {
      const deadline = Date.now() + 240_000
      while (Date.now() < deadline) {
        if (fs.existsSync(log) && /slow tick 2\//.test(fs.readFileSync(log, 'utf8'))) {
          killedAt = 'slow tick 2'
          child.kill('SIGTERM')
          return
        }
        await sleep(250)
      }
      child.kill('SIGTERM')
    })()
  }
)
check(
  'sigterm: main was killed mid-run, and post removed the Secret and the Job',
  killedAt !== '' &&
    (killed.main.signal === 'SIGTERM' || killed.main.code !== 0) &&
    killed.post.code === 0 &&
    (await leftovers()) === '',
  `killed at ${killedAt}, main ${killed.main.code}/${killed.main.signal}, post ${killed.post.code}: ${killed.post.stdout.slice(-600)}; left: ${getManaged(kubectl, ns, 'secrets,jobs', 'name', { check: false })}`
)

// --- 4. a forged post state runs nothing -----------------------------------------------------------
const forged = path.join(work, 'forged')
fs.mkdirSync(path.join(forged, 'runner-temp'), { recursive: true })
const marker = path.join(forged, 'pwned')
const program = path.join(forged, 'kind')
fs.writeFileSync(program, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 })
const post = spawnSync(process.env.NODE24, [path.join(root, 'dist/post/index.js')], {
  encoding: 'utf8',
  env: {
    ...process.env,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: path.join(forged, 'runner-temp'),
    RUNNER_TOOL_CACHE: path.join(forged, 'tool-cache'),
    'STATE_in-cluster-test-cleanup': JSON.stringify({
      kindPath: program,
      kubectlPath: program,
      clusterName: 'pwned',
      clusterCreated: true,
      keepCluster: false
    }),
    'STATE_in-cluster-test-state-id': '../../../etc/pwned',
    'STATE_in-cluster-test-objects': JSON.stringify([
      { kind: 'Namespace', namespace: '', name: 'kube-system' }
    ])
  }
})
check(
  'forged state: the post step ran nothing it names, and did not fail',
  post.status === 0 && !fs.existsSync(marker) && /refused/.test(post.stdout),
  `exit ${post.status}, marker ${fs.existsSync(marker)}: ${post.stdout.slice(-800)}`
)

if (!process.env.SECURITY_KEEP_NAMESPACE)
  kubectl(['delete', 'namespace', ns, '--wait=false'], { check: false })
if (failures.length > 0) {
  console.error(`\nsecurity: ${passed} passed, ${failures.length} failed: ${failures.join(', ')}`)
  process.exit(1)
}
console.log(`\nsecurity: ${passed} passed, 0 failed`)
