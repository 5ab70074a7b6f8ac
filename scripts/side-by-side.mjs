// Runs side by side from one checkout (issue 28): three CLI runs started at once from this
// checkout, as a terminal or a self-hosted runner's matrix starts them, each into its own
// namespace with its own PostgreSQL, all through the Dockerfile path (on our machines the legacy
// builder: no buildx). All must pass, and nothing of them may be left in example/ (the Dockerfile
// without cache mounts goes to docker on stdin, never into the context folder).
// Part of scripts/e2e.mjs; alone, with what npm run e2e sets up (KUBECONFIG_PATH, GO_BUILD_ARG):
//   KUBECONFIG_PATH=… GO_BUILD_ARG=… node scripts/side-by-side.mjs
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parseAllDocuments, stringify } from 'yaml'
import { exampleEnv } from './lib/example-inputs.mjs'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

/** example/deploy/postgres.yaml with its Namespace, moved into `namespace`. */
function postgresManifest(namespace, file) {
  const docs = parseAllDocuments(
    fs.readFileSync(path.join(root, 'example/deploy/postgres.yaml'), 'utf8')
  ).map((d) => d.toJS())
  for (const d of docs) {
    d.metadata.namespace = namespace
    for (const c of d.spec?.template?.spec?.containers ?? [])
      if (c.image === 'postgres') c.image = 'local/postgres:15'
  }
  fs.writeFileSync(
    file,
    [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, ...docs]
      .map((d) => stringify(d))
      .join('---\n')
  )
  return file
}

/** A terminal's environment: none of a runner's variables, so the CLI uses its own folders. */
function terminalEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GITHUB|RUNNER)_/.test(k))
  )
}

function cliRun(namespace, dir, secret) {
  fs.mkdirSync(dir, { recursive: true })
  const args = [
    path.join(root, 'dist/cli/index.js'),
    'run',
    ...Object.entries({
      cluster: 'existing',
      kubeconfig: process.env.KUBECONFIG_PATH,
      namespace,
      context: 'example',
      dockerfile: 'Dockerfile.test',
      'build-args': process.env.GO_BUILD_ARG,
      image: 'example/integration-tests',
      'image-load': 'bash hack/local-cluster/load-image.sh {image}',
      manifests: postgresManifest(namespace, path.join(dir, 'postgres.yaml')),
      'env-from-secrets': 'postgres-credentials',
      'secret-env': `JWT_SECRET: ${secret}`,
      env: exampleEnv('', namespace),
      'test-args': '-test.v',
      'deploy-timeout': '4m',
      timeout: '5m',
      'output-dir': path.join(dir, 'out')
    }).flatMap(([k, v]) => [`--${k}`, v])
  ]
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(process.env.NODE24 ?? process.execPath, args, {
      cwd: root,
      env: terminalEnv(),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const chunks = []
    for (const s of [child.stdout, child.stderr]) s.on('data', (d) => chunks.push(d))
    child.on('close', (code) => {
      const out = Buffer.concat(chunks).toString('utf8')
      fs.writeFileSync(path.join(dir, 'cli.log'), out)
      resolve({ namespace, code, out, ms: Date.now() - started })
    })
  })
}

/**
 * The case; `check(name, ok, detail)` records each result (e2e.mjs's). Namespaces are the case's
 * own (e2e-side-1..3), deleted before and after.
 */
export async function sideBySide({ work, secret, check }) {
  const kubectl = (args) =>
    spawnSync('kubectl', ['--kubeconfig', process.env.KUBECONFIG_PATH, ...args], {
      encoding: 'utf8'
    })
  const namespaces = [1, 2, 3].map((i) => `e2e-side-${i}`)
  for (const ns of namespaces)
    kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=120s'])
  try {
    const runs = await Promise.all(namespaces.map((ns) => cliRun(ns, path.join(work, ns), secret)))
    for (const r of runs)
      console.log(
        `--- ${r.namespace}: exit ${r.code} in ${(r.ms / 1000).toFixed(1)}s, ${/Building without BuildKit/.test(r.out) ? 'legacy builder (Dockerfile on stdin)' : 'BuildKit'}${/Using cache/.test(r.out) ? ', layer cache hit' : ''}`
      )
    check(
      'three runs side by side from one checkout all pass',
      runs.every((r) => r.code === 0 && r.out.includes('output status=passed')),
      runs
        .filter((r) => r.code !== 0)
        .map((r) => `${r.namespace}: exit ${r.code}: ${r.out.slice(-600)}`)
        .join(' | ')
    )
    const status = spawnSync('git', ['status', '--porcelain', 'example/'], {
      cwd: root,
      encoding: 'utf8'
    })
    check(
      'three runs side by side: git status --porcelain example/ is empty after them',
      status.status === 0 && status.stdout === '',
      status.stdout || status.stderr
    )
  } finally {
    for (const ns of namespaces) kubectl(['delete', 'namespace', ns, '--wait=false'])
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  let passed = 0
  let failed = 0
  const check = (name, ok, detail = '') => {
    if (ok) passed++
    else failed++
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`)
  }
  const work = path.join(root, '.e2e', 'side-by-side')
  fs.rmSync(work, { recursive: true, force: true })
  await sideBySide({ work, secret: `side-by-side-jwt-${Date.now()}-not-a-real-secret`, check })
  console.log(`\nside-by-side: ${passed} passed, ${failed} failed`)
  process.exit(failed > 0 ? 1 : 0)
}
