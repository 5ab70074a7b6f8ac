// The action's default path, `cluster: kind`, for real: dist/main then dist/post as a runner runs
// them, with the kind that hack/kind/up.sh built (kind-path), its node image (node-image) and this
// machine's kind config (kind-config: containerdConfigPatches and the like, see hack/kind/README.md).
// Every cluster is created, loaded (`kind load`), exported and deleted by the action itself.
//   - passing: the example deployed through ArgoCD, its images and the service's through
//     load-images; the test image from the Dockerfile (`kind load docker-image`);
//   - reuse: a cluster made beforehand with that cluster-name, the go-package path
//     (`kind load image-archive`); the cluster is left standing (then deleted here);
//   - failing: export-logs holds `kind export logs` before the post step;
//   - multi-node: one control plane and two workers, shards: 3.
// Called by e2e.mjs (its checks and closing count) after the existing-cluster cases, whose passing
// case is the reference for counts and coverage; run alone (E2E_ONLY=kind, scripts/e2e.sh) it runs
// an existing-cluster reference first and prints its own count.
// Needs: KIND, NODE_IMAGE, KIND_CONFIG (hack/kind/up.sh), NODE24, KUBECONFIG_PATH, GO_BUILD_ARG,
// ARGOCD_MANIFEST, ARGOCD_IMAGE, ARGOCD_REDIS_IMAGE, APP_REPO, APP_REVISION (scripts/e2e.sh).
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse, stringify } from 'yaml'
import { exampleEnv, exampleInputs } from './lib/example-inputs.mjs'
import { parseFileCommands, runAction } from './lib/run-action.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const COUNTS = ['tests-passed', 'tests-failed', 'tests-skipped', 'coverage']
/** Every cluster these cases make: nothing else of kind's on the machine is touched. */
export const KIND_CLUSTERS = {
  pass: 'ict-e2e-kind',
  reuse: 'ict-e2e-kind-reuse',
  fail: 'ict-e2e-kind-fail',
  multi: 'ict-e2e-kind-multi'
}

const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
    ...opts
  })
const kind = (...args) => run(process.env.KIND, args)
const clusters = () =>
  kind('get', 'clusters')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
/** kind's node containers of a cluster, running or not (kind labels each with its cluster). */
const nodeContainers = (name) =>
  run('docker', [
    'ps',
    '-a',
    '--filter',
    `label=io.x-k8s.kind.cluster=${name}`,
    '--format',
    '{{.Names}}'
  ])
    .split('\n')
    .filter(Boolean)

/** docker.io/library/… as containerd names what Docker calls by its short name. */
export function fullRef(ref) {
  const first = ref.split('/')[0]
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost'))
    return ref
  return `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`
}

/** The images in each node's containerd (what kubelet runs from), by node container name. */
function nodeImages(cluster) {
  const nodes = kind('get', 'nodes', '--name', cluster).split('\n').filter(Boolean)
  return Object.fromEntries(
    nodes.map((n) => [
      n,
      run('docker', ['exec', n, 'ctr', '-n', 'k8s.io', 'images', 'ls', '-q']).split('\n')
    ])
  )
}

/** The kind config of the multi-node case: this machine's config with 1 control plane + 2 workers. */
export function multiNodeConfig(base) {
  const config = base ? parse(base) : { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4' }
  // What the machine's config says of its node (mounts, patches) holds for each of them.
  const node = { ...(config.nodes?.[0] ?? {}) }
  delete node.role
  config.nodes = ['control-plane', 'worker', 'worker'].map((role) => ({
    role,
    ...structuredClone(node)
  }))
  return stringify(config)
}

/**
 * @param {object} o
 * @param {(name: string, ok: boolean, detail?: string) => void} o.check
 * @param {Record<string, string>} o.reference outputs of the existing-cluster passing case
 * @param {string} o.secret the JWT secret the example's tests get
 * @param {string} o.work the e2e's folder (.e2e)
 */
export async function kindCases({ check, reference, secret, work }) {
  for (const v of ['KIND', 'NODE_IMAGE', 'KIND_CONFIG']) {
    if (!process.env[v]) throw new Error(`e2e-kind: ${v} is not set (hack/kind/up.sh prints it)`)
  }
  // Left by an interrupted run: each case must start from no cluster of its name.
  for (const name of clusters().filter((c) => Object.values(KIND_CLUSTERS).includes(c)))
    kind('delete', 'cluster', '--name', name)

  const serviceImages = ['example/workflows:e2e', 'local/postgres:15']
  const base = {
    ...exampleInputs(secret),
    cluster: 'kind',
    kubeconfig: '',
    'image-load': 'kind',
    // A path given (the kind built from its module), and a kubectl found on PATH.
    'kind-path': process.env.KIND,
    'kubectl-path': 'kubectl',
    'node-image': process.env.NODE_IMAGE,
    'kind-config': process.env.KIND_CONFIG,
    'load-images': serviceImages.join('\n'),
    'deploy-timeout': '6m',
    'memory-limit': '512Mi',
    'test-args': '-test.v -test.coverprofile=/dev/stdout',
    timeout: '5m',
    'fail-on-test-failure': 'true'
  }
  async function runCase(name, inputs, hooks = {}) {
    const fail = inputs.EXAMPLE_FAIL ?? '0'
    delete inputs.EXAMPLE_FAIL
    const r = await runAction({
      node: process.env.NODE24,
      root,
      workspace: root,
      workDir: path.join(work, name),
      inputs: { ...base, env: exampleEnv(`EXAMPLE_FAIL: "${fail}"`), ...inputs },
      ...hooks
    })
    console.log(
      `\n--- case ${name}: main exit ${r.main.code} in ${(r.mainMs / 1000).toFixed(1)}s, post exit ${r.post.code} in ${(r.postMs / 1000).toFixed(1)}s`
    )
    console.log(`outputs: ${JSON.stringify(r.outputs)}`)
    const results = r.outputs['results-file']
    if (results && fs.existsSync(results))
      console.log(
        `stage timings (start, duration): ${JSON.parse(fs.readFileSync(results, 'utf8'))
          .timings.map(
            (t) => `${t.stage} ${(t.startMs / 1000).toFixed(1)}s ${(t.ms / 1000).toFixed(1)}s`
          )
          .join(', ')}`
      )
    return r
  }
  /** What a case's workDir output file says so far (before the post step, outputs are there). */
  const outputsOf = (name) =>
    parseFileCommands(fs.readFileSync(path.join(work, name, 'output'), 'utf8'))
  /** Where the action echoed its commands: the main log and the test image's own log. */
  const logsOf = (r) => {
    const testImageLog = path.join(path.dirname(r.outputs['log-file'] ?? '.'), 'test-image.log')
    return (
      r.main.stdout + (fs.existsSync(testImageLog) ? fs.readFileSync(testImageLog, 'utf8') : '')
    )
  }
  const gone = (name, label) => {
    const left = clusters().includes(name)
    const containers = nodeContainers(name)
    check(
      `${label}: no cluster and no kind container after the post step`,
      !left && containers.length === 0,
      `kind get clusters ${left ? 'lists' : 'does not list'} ${name}; containers: ${containers.join(', ')}`
    )
  }
  const sameCounts = (label, r, ref, what) => {
    for (const output of COUNTS)
      check(
        `${label}: ${output} equals ${what}`,
        r.outputs[output] === ref[output],
        `${r.outputs[output]} vs ${ref[output]}`
      )
  }

  // 1. Passing, the way the README's first example runs: cluster created, ArgoCD installed and
  // the example deployed by it, every image loaded with kind load.
  const argocdImages = [process.env.ARGOCD_IMAGE, process.env.ARGOCD_REDIS_IMAGE]
  let passImages = {}
  const pass = await runCase(
    'kind-pass',
    {
      'cluster-name': KIND_CLUSTERS.pass,
      'load-images': [...serviceImages, ...argocdImages].join('\n'),
      argocd: 'auto',
      'argocd-manifest': process.env.ARGOCD_MANIFEST,
      'argocd-image': process.env.ARGOCD_IMAGE,
      'argocd-redis-image': process.env.ARGOCD_REDIS_IMAGE,
      'app-repo': process.env.APP_REPO,
      'app-revision': process.env.APP_REVISION,
      'app-path': 'example/deploy-local'
    },
    { beforePost: () => (passImages = nodeImages(KIND_CLUSTERS.pass)) }
  )
  check(
    'kind: status passed',
    pass.outputs.status === 'passed' && pass.main.code === 0,
    `${pass.outputs.status} ${pass.outputs.diagnosis} (exit ${pass.main.code})`
  )
  sameCounts('kind', pass, reference, "the existing-cluster case's")
  check(
    'kind: the cluster was created by the action with the node image and kind config given',
    pass.main.stdout.includes(
      `create cluster --name ${KIND_CLUSTERS.pass} --config ${process.env.KIND_CONFIG}`
    ) && pass.main.stdout.includes(`--image ${process.env.NODE_IMAGE}`),
    pass.main.stdout.match(/.*create cluster.*/)?.[0]
  )
  check(
    'kind: the log names the kind and kubectl that ran, with their versions',
    new RegExp(
      `Using kind ${process.env.KIND.replace(/[.]/g, '\\.')} \\(kind-path: .*\\), not downloaded .*: kind v\\d+\\.\\d+\\.\\d+`
    ).test(pass.main.stdout) &&
      /Using kubectl \/\S+ \(kubectl-path: kubectl\), .*Client Version: v\d/.test(pass.main.stdout),
    pass.main.stdout.match(/.*Using (kind|kubectl) .*/g)?.join(' | ')
  )
  check(
    'kind: deployed through ArgoCD at the commit under test',
    pass.main.stdout.includes(
      `Application in-cluster-test-example in argocd is Synced and Healthy at ${process.env.APP_REVISION.slice(0, 12)}`
    ),
    pass.main.stdout
      .split('\n')
      .filter((l) => l.includes('Application'))
      .join(' / ')
  )
  {
    const node = Object.values(passImages)[0] ?? []
    const missing = [...serviceImages, ...argocdImages].filter((i) => !node.includes(fullRef(i)))
    // One `kind load docker-image a b … --name <cluster>` per batch: ArgoCD's images before its
    // install, the service's beside it (deploy.ts).
    const loads = logsOf(pass)
      .split('\n')
      .filter(
        (l) => l.includes(' load docker-image ') && l.includes(`--name ${KIND_CLUSTERS.pass}`)
      )
    const loaded = [...serviceImages, ...argocdImages].every((i) =>
      loads.some((l) => l.split(/\s+/).includes(i))
    )
    check(
      "kind: ArgoCD's images and the service's went in with kind load (load-images), on the node",
      missing.length === 0 && loaded,
      `missing on the node: ${missing.join(', ')}; kind load in the log: ${loaded}`
    )
  }
  {
    const image = pass.outputs.image ?? ''
    const onNode = Object.values(passImages)[0]?.includes(fullRef(image))
    const logs = logsOf(pass)
    check(
      'kind: test image loaded with kind load (Dockerfile path: kind load docker-image)',
      Boolean(image) &&
        onNode &&
        logs.includes(`load docker-image ${image} --name ${KIND_CLUSTERS.pass}`) &&
        !/retrying through an image archive/.test(logs),
      `${image} on the node: ${onNode}; ${logs.match(/.*(load docker-image|retrying).*/g)?.join(' | ')}`
    )
  }
  check('kind: post step succeeded', pass.post.code === 0, pass.post.stdout.slice(-300))
  gone(KIND_CLUSTERS.pass, 'kind')

  // 2. A cluster that exists already (a local re-run, a cluster a previous step made): reused,
  // and left standing. The go-package path: the image exists only as an archive.
  run(process.env.KIND, [
    'create',
    'cluster',
    '--name',
    KIND_CLUSTERS.reuse,
    '--image',
    process.env.NODE_IMAGE,
    '--config',
    process.env.KIND_CONFIG,
    '--wait',
    '180s'
  ])
  let reuseImages = {}
  let reuse
  try {
    reuse = await runCase(
      'kind-reuse',
      {
        'cluster-name': KIND_CLUSTERS.reuse,
        manifests: 'example/deploy-local',
        'go-package': './tests/integration'
      },
      { beforePost: () => (reuseImages = nodeImages(KIND_CLUSTERS.reuse)) }
    )
    check(
      'kind: an existing cluster of that name is reused and kept',
      reuse.outputs.status === 'passed' &&
        reuse.main.stdout.includes(
          `Reusing the existing kind cluster '${KIND_CLUSTERS.reuse}' (it will not be deleted afterwards)`
        ) &&
        !reuse.main.stdout.includes(`create cluster --name ${KIND_CLUSTERS.reuse}`) &&
        clusters().includes(KIND_CLUSTERS.reuse) &&
        nodeContainers(KIND_CLUSTERS.reuse).length === 1,
      `${reuse.outputs.status} ${reuse.outputs.diagnosis}; clusters now: ${clusters().join(', ')}`
    )
    const image = reuse.outputs.image ?? ''
    const logs = logsOf(reuse)
    check(
      'kind: test image loaded with kind load (go-package path: kind load image-archive)',
      /Compiled \.\/tests\/integration in [\d.]+ s and packed/.test(reuse.main.stdout) &&
        new RegExp(`load image-archive \\S+ --name ${KIND_CLUSTERS.reuse}`).test(logs) &&
        Object.values(reuseImages)[0]?.includes(fullRef(image)),
      `${image}: ${logs.match(/.*(load image-archive|Compiled).*/g)?.join(' | ')}`
    )
    sameCounts('kind reuse (go-package)', reuse, reference, "the existing-cluster case's")
  } finally {
    kind('delete', 'cluster', '--name', KIND_CLUSTERS.reuse)
  }

  // 3. Failing: the cluster's own export (kind export logs) is in export-logs while the job's
  // next step (an upload on failure()) runs, i.e. before the post step.
  const exportDir = path.join(work, 'kind-fail-export')
  let exported = []
  const fail = await runCase(
    'kind-fail',
    {
      EXAMPLE_FAIL: '1',
      'cluster-name': KIND_CLUSTERS.fail,
      manifests: 'example/deploy-local',
      'export-logs': exportDir
    },
    {
      beforePost: () => {
        exported = fs.existsSync(exportDir)
          ? fs.readdirSync(exportDir, { recursive: true }).map(String)
          : []
      }
    }
  )
  check(
    'kind: failing case: status failed, failed-tests names the test',
    fail.outputs.status === 'failed' &&
      fail.main.code !== 0 &&
      fail.outputs['failed-tests'] === '["TestDeliberateFailure"]',
    `${fail.outputs.status} ${fail.outputs['failed-tests']}`
  )
  {
    const node = `${KIND_CLUSTERS.fail}-control-plane`
    check(
      "kind: export-logs holds kind's export before the post step",
      ['kind-version.txt', `${node}/kubelet.log`, `${node}/containerd.log`].every((f) =>
        exported.includes(f)
      ) &&
        exported.some((f) => f.startsWith(`${node}/containers/`)) &&
        fail.main.stdout.includes('kind export logs:'),
      exported.slice(0, 20).join(', ')
    )
    const texts = exported
      .map((f) => path.join(exportDir, f))
      .filter((f) => fs.statSync(f).isFile())
      .map((f) => fs.readFileSync(f, 'utf8'))
    check(
      "kind: kind's export holds no secret value",
      texts.length > 0 && !texts.some((t) => t.includes(secret)),
      `${texts.length} files`
    )
  }
  gone(KIND_CLUSTERS.fail, 'kind (failing case)')

  // 4. More than one node: a control plane and two workers (the machine's patches on each), the
  // suite in three shards. kind loads every image on every node.
  const multiConfig = path.join(work, 'kind-multi-node.yaml')
  fs.writeFileSync(multiConfig, multiNodeConfig(fs.readFileSync(process.env.KIND_CONFIG, 'utf8')))
  let shardNodes = []
  let multiImages = {}
  const multi = await runCase(
    'kind-multi',
    {
      'cluster-name': KIND_CLUSTERS.multi,
      'kind-config': multiConfig,
      manifests: 'example/deploy-local',
      shards: '3'
    },
    {
      beforePost: () => {
        multiImages = nodeImages(KIND_CLUSTERS.multi)
        const kubeconfig = outputsOf('kind-multi').kubeconfig
        // Each shard's pods (the Jobs stay until the post step), and where they ran.
        const pods = run('kubectl', [
          '--kubeconfig',
          kubeconfig,
          '-n',
          'example',
          'get',
          'pods',
          '-l',
          'app.kubernetes.io/managed-by=in-cluster-test',
          '-o',
          'jsonpath={range .items[*]}{.metadata.labels.batch\\.kubernetes\\.io/job-name} {.spec.nodeName}{"\\n"}{end}'
        ])
        shardNodes = pods
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' '))
          .filter(([job]) => /-s\d+$/.test(job))
      }
    }
  )
  check(
    'kind multi-node: status passed',
    multi.outputs.status === 'passed',
    `${multi.outputs.status} ${multi.outputs.diagnosis}`
  )
  {
    const nodes = new Set(shardNodes.map(([, n]) => n))
    const jobs = new Set(shardNodes.map(([j]) => j))
    check(
      `kind multi-node: shards ran on ${nodes.size} nodes`,
      nodes.size >= 2 && jobs.size === 3,
      shardNodes.map((p) => p.join(' on ')).join(', ')
    )
  }
  {
    const wanted = [...serviceImages, multi.outputs.image ?? '(no image output)']
    const names = Object.keys(multiImages)
    const missing = names.flatMap((n) =>
      wanted.filter((i) => !multiImages[n].includes(fullRef(i))).map((i) => `${i} on ${n}`)
    )
    check(
      `kind multi-node: images loaded on every node (${names.length})`,
      names.length === 3 && missing.length === 0,
      `nodes ${names.join(', ')}; missing ${missing.join(', ')}`
    )
  }
  check(
    "kind multi-node: results equal the single Job's",
    COUNTS.every((o) => multi.outputs[o] === pass.outputs[o]),
    COUNTS.map((o) => `${o} ${multi.outputs[o]} vs ${pass.outputs[o]}`).join(', ')
  )
  gone(KIND_CLUSTERS.multi, 'kind multi-node')

  // The secret value nowhere the action wrote, in any kind case.
  for (const [name, r] of [
    ['kind', pass],
    ['kind reuse', reuse],
    ['kind failing case', fail],
    ['kind multi-node', multi]
  ]) {
    const shown = (t) =>
      t
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n')
    const everything = [
      shown(r.main.stdout),
      shown(r.post.stdout),
      r.summary,
      JSON.stringify(r.outputs)
    ]
    const dir = path.dirname(r.outputs['log-file'] ?? '')
    if (r.outputs['log-file'] && fs.existsSync(dir))
      for (const f of fs.readdirSync(dir, { recursive: true }))
        if (fs.statSync(path.join(dir, f)).isFile())
          everything.push(fs.readFileSync(path.join(dir, f), 'utf8'))
    check(
      `${name}: the secret value appears nowhere the action wrote`,
      !everything.some((t) => t.includes(secret))
    )
  }
  return { pass, reuse, fail, multi }
}

// Alone (E2E_ONLY=kind): an existing-cluster passing case first, as the reference.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const work = path.join(root, '.e2e')
  fs.rmSync(work, { recursive: true, force: true })
  const secret = `e2e-jwt-${Date.now()}-not-a-real-secret`
  const failures = []
  let passed = 0
  const check = (name, ok, detail = '') => {
    if (ok) passed++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`)
    if (!ok) failures.push(name)
  }
  // The reference: the example on the shared local cluster (example namespace), as e2e.mjs's
  // cases deploy it without ArgoCD; the same suite and test-args as the kind cases.
  const ref = await runAction({
    node: process.env.NODE24,
    root,
    workspace: root,
    workDir: path.join(work, 'reference'),
    inputs: {
      ...exampleInputs(secret),
      env: exampleEnv('EXAMPLE_FAIL: "0"'),
      'load-images': 'example/workflows:e2e\nlocal/postgres:15',
      manifests: 'example/deploy-local',
      'memory-limit': '512Mi',
      'test-args': '-test.v -test.coverprofile=/dev/stdout',
      timeout: '5m'
    }
  })
  console.log(`\n--- case reference (existing cluster): ${JSON.stringify(ref.outputs)}`)
  check(
    'reference (existing cluster): status passed',
    ref.outputs.status === 'passed',
    `${ref.outputs.status} ${ref.outputs.diagnosis}`
  )
  try {
    await kindCases({ check, reference: ref.outputs, secret, work })
  } catch (e) {
    check('kind: the cases ran to the end', false, e.stack)
  }
  if (failures.length > 0) {
    console.error(`\ne2e: ${passed} passed, ${failures.length} failed: ${failures.join(', ')}`)
    process.exit(1)
  }
  console.log(`\ne2e: ${passed} passed, 0 failed`)
}
