// bench:e2e's kind scenario (BENCH_SCENARIOS=kind): the action's default path against the seed's
// flow, both cold and from no cluster, cluster creation included. See scripts/bench-e2e.mjs.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse, parseAllDocuments, stringify } from 'yaml'
import { exampleEnv, exampleInputs } from './example-inputs.mjs'
import { runAction } from './run-action.mjs'

/** One cluster name for both contenders: each run starts with none of it and ends deleting it. */
const CLUSTER = 'ict-bench-kind'
const APP = 'example'

/**
 * What the seed's flow needs on a machine without a registry, prepared once and unmeasured: the
 * kind tools (hack/kind/up.sh), ArgoCD's images built here, its release manifest with those images
 * in it (what a user would do with `kustomize edit set image`), and the git source ArgoCD reads.
 */
function prepare(root, work, sh) {
  const lastLines = (out, n) => out.trim().split('\n').slice(-n)
  // Its last lines are KEY=value: KIND, NODE_IMAGE, KIND_CONFIG among them.
  const env = Object.fromEntries(
    sh('bash', ['hack/kind/up.sh'], { stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
  )
  for (const v of ['KIND', 'NODE_IMAGE', 'KIND_CONFIG'])
    if (!env[v]) throw new Error(`bench kind: hack/kind/up.sh printed no ${v}=`)
  const [argocdImage, redisImage] = lastLines(
    sh('bash', ['hack/local-cluster/argocd-images.sh']),
    2
  )
  const version = argocdImage.replace(/^local\/argocd:/, '').replace(/-.*$/, '')
  const moduleDir = JSON.parse(
    sh('go', ['mod', 'download', '-json', `github.com/argoproj/argo-cd/v3@${version}`], {
      env: { ...process.env, GOTOOLCHAIN: 'local' }
    })
  ).Dir
  const manifest = path.join(moduleDir, 'manifests', 'core-install.yaml')
  const [repo, revision] = lastLines(sh('bash', ['hack/local-cluster/git-serve.sh']), 1)[0].split(
    ' '
  )
  if (
    sh('docker', ['image', 'ls', '-q', 'example/workflows:e2e']).trim() === '' ||
    sh('docker', ['image', 'ls', '-q', 'local/postgres:15']).trim() === ''
  )
    throw new Error('bench kind: run npm run e2e once first (the service and database images)')

  // The seed's ArgoCD: the release's core install with the local images, the `default` project
  // (only argocd-server, which core leaves out, would create it) and the Application.
  const docs = parseAllDocuments(fs.readFileSync(manifest, 'utf8')).map((d) => d.toJS())
  for (const d of docs) {
    const pod = d?.spec?.template?.spec
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      if (/(^|\/)argocd(:|@|$)/.test(c.image)) c.image = argocdImage
      else if (/(^|\/)redis(:|@|$)/.test(c.image)) c.image = redisImage
      else continue
      c.imagePullPolicy = 'IfNotPresent'
    }
  }
  const seedArgocd = path.join(work, 'seed-argocd.yaml')
  fs.writeFileSync(
    seedArgocd,
    docs
      .filter(Boolean)
      // YAML 1.1 for kubectl: redis's args "no" and "" stay strings (1.2 would leave no bare,
      // and kubectl's YAML 1.1 reads that as false: "args[3]: expected string").
      .map((d) => stringify(d, { version: '1.1' }))
      .join('---\n')
  )
  const app = parse(fs.readFileSync(path.join(root, 'example/argocd/application.yaml'), 'utf8'))
  app.metadata.name = APP
  app.spec.source = { repoURL: repo, targetRevision: revision, path: 'example/deploy-local' }
  const seedApp = path.join(work, 'seed-application.yaml')
  fs.writeFileSync(
    seedApp,
    [
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'default', namespace: 'argocd' },
        spec: {
          sourceRepos: ['*'],
          destinations: [{ server: '*', namespace: '*' }],
          clusterResourceWhitelist: [{ group: '*', kind: '*' }]
        }
      },
      app
    ]
      .map((d) => stringify(d))
      .join('---\n')
  )
  return {
    ...env,
    argocdImage,
    redisImage,
    manifest,
    repo,
    revision,
    seedArgocd,
    seedApp
  }
}

/**
 * @param {object} o
 * @param {string} o.root
 * @param {string} o.work
 * @param {(cmd: string, args: string[], opts?: object) => string} o.sh
 * @param {number} o.runs
 * @param {string} o.node24
 * @param {string} o.goArg the local base images' build arg
 * @param {string} o.seedDockerfile Dockerfile.test without BuildKit cache mounts, for `docker build`
 * @param {string} o.nonceFile a file in the Docker context whose change makes the build cold
 * @param {string} o.secret
 * @returns {Promise<{seed: object[], action: object[], post: number[]}>}
 */
export async function kindScenario(o) {
  const { root, work, sh, node24, goArg, secret } = o
  const p = prepare(root, work, sh)
  const kind = (...args) => sh(p.KIND, args)
  const kubeconfig = path.join(work, 'seed-kubeconfig')
  const kubectl = (...args) => sh('kubectl', ['--kubeconfig', kubeconfig, ...args])
  const noCluster = () => {
    if (kind('get', 'clusters').split('\n').includes(CLUSTER))
      kind('delete', 'cluster', '--name', CLUSTER)
  }
  const serviceImages = ['example/workflows:e2e', 'local/postgres:15']

  function timed(stages, name, fn) {
    const t = Date.now()
    const r = fn()
    stages[name] = (stages[name] ?? 0) + (Date.now() - t)
    return r
  }

  /** The seed's flow, one command after the other, as its document writes it. */
  function seedRun(i) {
    const stages = {}
    const tag = `example/integration-tests:seed-kind-${i}`
    const started = Date.now()
    timed(stages, 'cluster', () =>
      kind(
        'create',
        'cluster',
        '--name',
        CLUSTER,
        '--image',
        p.NODE_IMAGE,
        '--config',
        p.KIND_CONFIG,
        '--kubeconfig',
        kubeconfig,
        '--wait',
        '180s'
      )
    )
    timed(stages, 'service images load', () => {
      for (const img of [p.argocdImage, p.redisImage, ...serviceImages])
        kind('load', 'docker-image', img, '--name', CLUSTER)
    })
    timed(stages, 'argocd install', () => {
      kubectl('create', 'namespace', 'argocd')
      kubectl('apply', '-n', 'argocd', '--server-side', '-f', p.seedArgocd)
      kubectl(
        'wait',
        '--for=condition=Established',
        'crd/applications.argoproj.io',
        'crd/appprojects.argoproj.io',
        '--timeout=120s'
      )
      kubectl(
        '-n',
        'argocd',
        'rollout',
        'status',
        'statefulset/argocd-application-controller',
        '--timeout=300s'
      )
      kubectl(
        '-n',
        'argocd',
        'rollout',
        'status',
        'deployment/argocd-repo-server',
        '--timeout=300s'
      )
      kubectl('-n', 'argocd', 'rollout', 'status', 'deployment/argocd-redis', '--timeout=300s')
      kubectl(
        '-n',
        'argocd',
        'rollout',
        'status',
        'deployment/argocd-applicationset-controller',
        '--timeout=300s'
      )
    })
    timed(stages, 'deploy (argocd)', () => {
      kubectl('apply', '-f', p.seedApp)
      kubectl(
        '-n',
        'argocd',
        'wait',
        `application/${APP}`,
        '--for=jsonpath={.status.sync.status}=Synced',
        '--timeout=300s'
      )
      kubectl(
        '-n',
        'argocd',
        'wait',
        `application/${APP}`,
        '--for=jsonpath={.status.health.status}=Healthy',
        '--timeout=300s'
      )
      kubectl('-n', 'example', 'rollout', 'status', 'statefulset/postgres', '--timeout=300s')
      kubectl('-n', 'example', 'rollout', 'status', 'deployment/workflows', '--timeout=300s')
      kubectl(
        '-n',
        'example',
        'wait',
        '--for=condition=complete',
        'job/workflows-migrate',
        '--timeout=300s'
      )
    })
    timed(stages, 'image build', () =>
      sh('docker', [
        'build',
        '-q',
        '--build-arg',
        goArg,
        '-f',
        o.seedDockerfile,
        '-t',
        tag,
        'example'
      ])
    )
    timed(stages, 'image load', () => kind('load', 'docker-image', tag, '--name', CLUSTER))
    const job = parse(fs.readFileSync(path.join(root, 'templates/test-job.yaml'), 'utf8'))
    job.metadata = { ...job.metadata, name: `seed-tests-${i}`, namespace: 'example' }
    const c = job.spec.template.spec.containers[0]
    c.image = tag
    c.imagePullPolicy = 'IfNotPresent'
    c.args = ['-test.v', '-test.coverprofile=/dev/stdout']
    c.env = [
      ...(c.env ?? []),
      { name: 'POSTGRES_HOST', value: 'postgres.example.svc.cluster.local' },
      { name: 'JWT_SECRET', value: secret }
    ]
    c.envFrom = [{ secretRef: { name: 'postgres-credentials' } }]
    const jobFile = path.join(work, `seed-kind-job-${i}.yaml`)
    fs.writeFileSync(jobFile, stringify(job))
    timed(stages, 'tests', () => {
      kubectl('apply', '-f', jobFile)
      kubectl(
        '-n',
        'example',
        'wait',
        '--for=condition=complete',
        `job/seed-tests-${i}`,
        '--timeout=600s'
      )
      fs.writeFileSync(
        path.join(work, `seed-kind-${i}.log`),
        kubectl('-n', 'example', 'logs', `job/seed-tests-${i}`)
      )
    })
    return { total: Date.now() - started, stages }
  }

  /** The action with its defaults (cluster: kind), plus what this machine needs. */
  async function actionRun(i) {
    const r = await runAction({
      node: node24,
      root,
      workspace: root,
      workDir: path.join(work, `kind-action-${i}`),
      inputs: {
        ...exampleInputs(secret),
        cluster: 'kind',
        kubeconfig: '',
        'image-load': 'kind',
        'cluster-name': CLUSTER,
        'kind-path': p.KIND,
        'kubectl-path': 'kubectl',
        'node-image': p.NODE_IMAGE,
        'kind-config': p.KIND_CONFIG,
        'load-images': [p.argocdImage, p.redisImage, ...serviceImages].join('\n'),
        'argocd-manifest': p.manifest,
        'argocd-image': p.argocdImage,
        'argocd-redis-image': p.redisImage,
        'app-repo': p.repo,
        'app-revision': p.revision,
        'app-path': 'example/deploy-local',
        'test-args': '-test.v -test.coverprofile=/dev/stdout',
        env: exampleEnv()
      }
    })
    if (r.outputs.status !== 'passed')
      throw new Error(`kind action run ${i}: ${r.outputs.status} ${r.outputs.diagnosis}`)
    const results = JSON.parse(fs.readFileSync(r.outputs['results-file'], 'utf8'))
    const stages = {}
    for (const t of results.timings) stages[t.stage] = (stages[t.stage] ?? 0) + t.ms
    return { total: r.mainMs, postMs: r.postMs, stages, timings: results.timings }
  }

  const warmup = Number(process.env.BENCH_KIND_WARMUP ?? 0)
  const out = { seed: [], action: [] }
  for (let i = 1 - warmup; i <= o.runs; i++) {
    // The seed first in odd rounds, the action first in even ones.
    for (const n of i % 2 ? ['seed', 'action'] : ['action', 'seed']) {
      noCluster()
      fs.writeFileSync(o.nonceFile, `${Date.now()}-${Math.random()}\n`)
      let r
      try {
        r = n === 'seed' ? seedRun(i) : await actionRun(i)
      } finally {
        // The action's post step deleted its cluster; the seed's is deleted here (unmeasured).
        noCluster()
      }
      if (i >= 1) out[n].push(r)
      const tail = n === 'action' ? ` (post step ${(r.postMs / 1000).toFixed(1)}s)` : ''
      console.log(
        `kind run ${i}${i < 1 ? ' (warm-up, not counted)' : ''} ${n}: ${(r.total / 1000).toFixed(1)}s${tail}`
      )
      // Let Docker and containerd settle after a build and a cluster, unmeasured.
      await new Promise((res) => setTimeout(res, 15_000))
    }
  }
  fs.rmSync(o.nonceFile, { force: true })
  return out
}
