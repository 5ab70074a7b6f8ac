// Bad input at the command line, as real runs of the bundled CLI (dist/cli): invalid YAML, a
// template that is not a Job, hostile values in env and test-args (no YAML injection), hostile
// image names and the image-load command's {image} (no shell injection), a missing kubeconfig.
// Each must end with a non-zero exit and a clear error naming the input or file; the hostile
// values also run on the real cluster to prove they arrive as the one string they were.
// Prints `cli-faults: N passed, M failed` and exits non-zero when a case failed.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { getManaged, kubectlFor } from './lib/kubectl.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const work = path.join(root, '.e2e', 'cli-faults')
fs.rmSync(work, { recursive: true, force: true })
fs.mkdirSync(work, { recursive: true })

const kubeconfig = process.env.KUBECONFIG_PATH
if (!kubeconfig) throw new Error('KUBECONFIG_PATH is not set (npm run e2e sets it)')
const node = process.env.NODE24 ?? process.execPath
const cliPath = path.join(root, 'dist/cli/index.js')
const ns = 'example-faults-cli'
const kubectlBin = process.env.KUBECTL ?? 'kubectl'
const kubectl = kubectlFor(kubectlBin, kubeconfig)

/** Runs the CLI; resolves with its exit code and output (never throws on a non-zero exit). */
function cli(args, timeoutMs = 300_000) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(node, [cliPath, ...args], {
      cwd: root,
      env: { ...process.env, GITHUB_ACTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
}

function file(name, text) {
  const p = path.join(work, name)
  fs.writeFileSync(p, text)
  return p
}

// Where a run would go: a real cluster, an image that exists (no build), no image load.
const existing = (out = 'out') => [
  '--cluster',
  'existing',
  '--kubeconfig',
  kubeconfig,
  '--namespace',
  ns,
  '--output-dir',
  path.join(work, out)
]
const noBuild = ['--image', 'local/debian:bookworm', '--image-load', 'none', '--timeout', '1m']
const pwned = path.join(work, 'pwned')
const hostileEnv = 'x\n  command: [sh]\n---\nkind: Pod'
const hostileArg = "y\n  command: ['sh', '-c', 'touch /pwned']"

/**
 * Input errors end the CLI before any work with one `in-cluster-test:` line on stderr. Node 24
 * adds its own deprecation warnings (from dependencies of the Kubernetes client) to stderr; they
 * are not ours and are left out.
 */
const stderrLines = (r) =>
  r.stderr
    .trim()
    .split('\n')
    .filter((l) => l && !/^\(node:\d+\) \[DEP\d+\]|^\(Use `node --trace-deprecation/.test(l))
const oneLineError = (r, re) => {
  const lines = stderrLines(r)
  return lines.length === 1 && re.test(lines[0])
}
/** A run that fails reports its cause on one `error:` line (and as `why:` in the report). */
const errorLine = (r, re) => r.stdout.split('\n').some((l) => l.startsWith('error: ') && re.test(l))

const cases = [
  {
    name: 'missing kubeconfig file',
    args: ['run', '--cluster', 'existing', '--kubeconfig', path.join(work, 'no-such-kubeconfig')],
    check: (r) => ({
      'exit 2': r.code === 2,
      'one-line error naming kubeconfig and the path': oneLineError(
        r,
        /^in-cluster-test: .*kubeconfig.*no-such-kubeconfig/
      ),
      'no pipeline output': r.stdout === ''
    })
  },
  {
    name: 'job-template is not valid YAML',
    args: () => [
      'run',
      ...existing(),
      ...noBuild,
      '--job-template',
      file('broken.yaml', 'apiVersion: batch/v1\nkind: Job\nspec: [unclosed\n')
    ],
    // Checked with the inputs: a bad template fails before any cluster work.
    check: (r) => ({
      'exit 2': r.code === 2,
      'one-line error names the template and says invalid YAML': oneLineError(
        r,
        /^in-cluster-test: Input 'job-template': Job template \S*broken\.yaml: is not valid YAML/
      ),
      'no pipeline output': r.stdout === ''
    })
  },
  {
    name: 'job-template is not a Job',
    args: () => [
      'run',
      ...existing(),
      ...noBuild,
      '--job-template',
      file(
        'deployment.yaml',
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers: [{name: tests, image: x}]\n'
      )
    ],
    check: (r) => ({
      'exit 2': r.code === 2,
      'one-line error says what it is': oneLineError(
        r,
        /^in-cluster-test: Input 'job-template': Job template \S*deployment\.yaml: must be a batch\/v1 Job, but is apps\/v1 Deployment/
      ),
      'no pipeline output': r.stdout === ''
    })
  },
  {
    name: 'manifests file is not valid YAML',
    args: () => [
      'run',
      ...existing(),
      ...noBuild,
      '--manifests',
      file('bad-manifest.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n')
    ],
    check: (r) => ({
      'exit non-zero': r.code !== 0 && r.code !== null,
      'error names the file': errorLine(r, /bad-manifest\.yaml is not valid YAML/)
    })
  },
  {
    name: 'env is not valid YAML',
    args: ['run', ...existing(), ...noBuild, '--env', 'A: [unclosed'],
    check: (r) => ({
      'exit 2': r.code === 2,
      'one-line error naming env': oneLineError(r, /^in-cluster-test: .*env.* is not valid YAML/)
    })
  },
  ...[
    ['$(…)', `example/x$(touch ${pwned}):v1`],
    ['; and backticks', `example/x;touch ${pwned};\`touch ${pwned}\`:v1`]
  ].map(([how, image]) => ({
    name: `shell in the image name: ${how}`,
    args: ['run', ...existing(), '--image', image, '--image-load', 'echo {image}'],
    check: (r) => ({
      'exit 2': r.code === 2,
      'one-line error naming image': oneLineError(r, /^in-cluster-test: .*image/),
      'nothing executed': !fs.existsSync(pwned)
    })
  })),
  {
    // The image-load command gets {image} as one quoted word: the command below would run
    // `touch` if {image} were spliced into the shell text unquoted with a space in the name;
    // instead it sees exactly the image reference and fails as told.
    name: 'image-load {image} is one word',
    args: () => [
      'run',
      ...existing(),
      // A test image given with its tag is used as it is; load-images go through the command.
      '--image',
      'example/integration-tests:cli-fault',
      '--load-images',
      'example/integration-tests:cli-fault',
      '--image-load',
      `printf '%s|' {image} > ${path.join(work, 'load-args')}; exit 7`
    ],
    check: (r) => ({
      'exit non-zero': r.code !== 0 && r.code !== null,
      'error says the load command failed': errorLine(r, /image-load command failed \(exit 7\)/),
      'the command saw the image as one argument':
        fs.existsSync(path.join(work, 'load-args')) &&
        fs.readFileSync(path.join(work, 'load-args'), 'utf8') ===
          'example/integration-tests:cli-fault|'
    })
  },
  {
    // A real run: the container prints what it received. The hostile env value and argument
    // must arrive as the exact strings, and the Job must have no command of its own.
    name: 'hostile env and test-args reach the pod as one string each',
    args: () => [
      'run',
      ...existing('hostile-out'),
      '--image',
      'local/debian:bookworm',
      '--load-images',
      'local/debian:bookworm',
      '--image-load',
      'bash hack/local-cluster/load-image.sh {image}',
      '--timeout',
      '2m',
      '--env',
      JSON.stringify({ EVIL: hostileEnv }),
      '--test-args',
      JSON.stringify(['sh', '-c', 'printf "EVIL=%s|ARG=%s|\\n" "$EVIL" "$0"', hostileArg])
    ],
    check: (r) => {
      const logFile = path.join(work, 'hostile-out', 'tests.log')
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`
      return {
        'exit 1, saying no Go test ran':
          r.code === 1 && errorLine(r, /exited 0 without running a Go test/),
        // The CLI removes what it created at its end, as the post step does on GitHub.
        'the Job was created, and deleted at the end':
          /Created Job tests-\S+ in/.test(out) &&
          /Deleted Job \S+\/tests-\S+, which the run created/.test(out) &&
          getManaged(kubectl, ns, 'jobs', 'name', { check: false }) === '',
        // The container ran the test-args as given (no command of the Job's own in the way) and
        // printed the env value and the argument as the exact strings.
        'the container printed both intact': log.includes(`EVIL=${hostileEnv}|ARG=${hostileArg}|`)
      }
    }
  }
]

let passed = 0
let failed = 0
for (const c of cases) {
  const args = typeof c.args === 'function' ? c.args() : c.args
  const r = await cli(args)
  const checks = c.check(r)
  const ok = Object.values(checks).every(Boolean)
  if (ok) passed++
  else failed++
  const said = (
    stderrLines(r)[0] ??
    r.stdout.split('\n').find((l) => l.startsWith('error: ')) ??
    ''
  ).slice(0, 200)
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${c.name} (exit ${r.code}, ${(r.ms / 1000).toFixed(1)}s): ${said}`
  )
  if (!ok) {
    console.log(`     checks: ${JSON.stringify(checks)}`)
    console.log(`     stdout (tail): ${r.stdout.split('\n').slice(-15).join('\n       ')}`)
    console.log(`     stderr: ${r.stderr}`)
  }
}
kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false'], { check: false })
console.log(`cli-faults: ${passed} passed, ${failed} failed`)
if (failed > 0) process.exit(1)
