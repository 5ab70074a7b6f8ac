import { describe, expect, it, beforeAll } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { getInputs, InputError, parseDuration, type Environment } from '../../src/inputs/index.js'
import { DEFAULTS, INPUT_NAMES, INPUTS } from '../../src/inputs/table.js'

let ws: string
let env: Environment

beforeAll(() => {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-inputs-'))
  fs.writeFileSync(path.join(ws, 'Dockerfile.test'), 'FROM scratch\n')
  fs.writeFileSync(path.join(ws, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n')
  fs.writeFileSync(
    path.join(ws, 'job.yaml'),
    'apiVersion: batch/v1\nkind: Job\nmetadata: {name: t}\nspec:\n  template:\n    spec:\n      containers: [{name: tests, image: x}]\n'
  )
  fs.writeFileSync(path.join(ws, 'deployment.yaml'), 'apiVersion: apps/v1\nkind: Deployment\n')
  env = { workspace: ws, runnerTemp: path.join(ws, 'tmp'), inActions: true }
})

function read(values: Record<string, string>) {
  return getInputs((name) => values[name] ?? '', env)
}

function errorOf(values: Record<string, string>): InputError {
  try {
    read(values)
  } catch (e) {
    expect(e).toBeInstanceOf(InputError)
    return e as InputError
  }
  throw new Error('expected an InputError')
}

describe('kind-path and kubectl-path', () => {
  it('download by default; keep a command name for PATH and make a path absolute', () => {
    expect(read({}).cluster).toMatchObject({ kindPath: undefined, kubectlPath: undefined })
    expect(read({ 'kind-path': 'kind', 'kubectl-path': 'bin/kubectl' }).cluster).toMatchObject({
      kindPath: 'kind',
      kubectlPath: path.join(ws, 'bin/kubectl')
    })
    expect(read({ 'kind-path': '~/bin/kind' }).cluster.kindPath).toBe(
      path.join(process.env.HOME ?? '', 'bin/kind')
    )
  })

  it('refuse what is neither a command name nor a path, naming the input', () => {
    expect(errorOf({ 'kind-path': 'kind version' }).message).toBe(
      "Input 'kind-path': 'kind version' is neither a command name (looked up on PATH, e.g. kind) nor a path (e.g. /usr/local/bin/kind)"
    )
    expect(errorOf({ 'kubectl-path': 'a\nb' }).input).toBe('kubectl-path')
  })
})

describe('getInputs', () => {
  it('gives the documented defaults', () => {
    const i = read({})
    expect(i.cluster.mode).toBe('kind')
    expect(i.cluster.name).toBe('in-cluster-test')
    expect(i.namespace).toBe('in-cluster-test')
    expect(i.image.dockerfile).toBe(path.join(ws, 'Dockerfile.test'))
    expect(i.image.context).toBe(ws)
    expect(i.image.repository).toBe('in-cluster-test/tests')
    expect(i.image.prebuilt).toBeUndefined()
    expect(i.image.load).toEqual({ mode: 'kind' })
    expect(i.job.testArgs).toEqual(['-test.v'])
    expect(i.job.timeoutSeconds).toBe(900)
    expect(i.deploy.timeoutSeconds).toBe(300)
    expect(i.stuckTimeoutSeconds).toBe(60)
    expect(i.job.shardMode).toBe('jobs')
    expect(i.report.failOnTestFailure).toBe(true)
    expect(i.cluster.keepCluster).toBe(false)
    expect(i.report.commentOnPr).toBe(false)
    expect(i.report.minCoverage).toBeUndefined()
    expect(i.outputDir).toBe(path.join(ws, 'tmp', 'in-cluster-test'))
  })

  it('names the input of an unknown enum value', () => {
    const e = errorOf({ cluster: 'bogus' })
    expect(e.input).toBe('cluster')
    expect(e.message).toBe("Input 'cluster': 'bogus' is not one of: kind, existing")
  })

  it('requires a kubeconfig that exists for an existing cluster', () => {
    expect(errorOf({ cluster: 'existing' }).input).toBe('kubeconfig')
    expect(errorOf({ cluster: 'existing', kubeconfig: 'nope' }).message).toMatch(
      /nope is not a file/
    )
    expect(
      read({ cluster: 'existing', kubeconfig: 'kubeconfig', 'image-load': 'true {image}' }).cluster
        .kubeconfig
    ).toBe(path.join(ws, 'kubeconfig'))
  })

  it('rejects a missing Dockerfile unless the image is prebuilt', () => {
    expect(errorOf({ dockerfile: 'Missing.Dockerfile' }).input).toBe('dockerfile')
    const i = read({ dockerfile: 'Missing.Dockerfile', image: 'ghcr.io/acme/tests:1.2.3' })
    expect(i.image.prebuilt).toBe('ghcr.io/acme/tests:1.2.3')
    expect(i.image.repository).toBe('ghcr.io/acme/tests')
  })

  it('takes shard-mode jobs or indexed, nothing else', () => {
    expect(read({ 'shard-mode': 'indexed' }).job.shardMode).toBe('indexed')
    expect(errorOf({ 'shard-mode': 'pods' }).message).toBe(
      "Input 'shard-mode': 'pods' is not one of: jobs, indexed"
    )
  })

  it('parses durations and rejects nonsense', () => {
    expect(parseDuration('90')).toBe(90)
    expect(parseDuration('1h30m')).toBe(5400)
    expect(parseDuration('2m30s')).toBe(150)
    expect(parseDuration('10 minutes')).toBeUndefined()
    expect(errorOf({ timeout: 'soon' }).message).toMatch(/'soon' is not a duration/)
    expect(errorOf({ timeout: '0s' }).input).toBe('timeout')
    expect(read({ 'stuck-timeout': '5m' }).stuckTimeoutSeconds).toBe(300)
    expect(errorOf({ 'stuck-timeout': 'never' }).message).toBe(
      "Input 'stuck-timeout': 'never' is not a duration: use e.g. 90s, 15m or 1h30m"
    )
  })

  it('keeps hostile env values as opaque strings', () => {
    const hostile = 'x\n  command: [sh, -c, "rm -rf /"]'
    const i = read({ env: JSON.stringify({ A: hostile, B: '$(id)', C: 42, D: true }) })
    expect(i.job.env).toEqual({ A: hostile, B: '$(id)', C: '42', D: 'true' })
  })

  it('accepts NAME=value lines, keeping = and : inside values', () => {
    const i = read({ env: 'URL=postgres://u:p@h:5432/db?x=1\nEMPTY=' })
    expect(i.job.env).toEqual({ URL: 'postgres://u:p@h:5432/db?x=1', EMPTY: '' })
  })

  it('rejects invalid YAML, lists, nested values and bad names', () => {
    expect(errorOf({ env: 'A: [unclosed' }).message).toMatch(/^Input 'env': is not valid YAML/)
    expect(errorOf({ env: '- a\n- b' }).message).toMatch(/must be a YAML map/)
    expect(errorOf({ env: 'A:\n  nested: 1' }).message).toMatch(/value of A must be a string/)
    expect(errorOf({ 'secret-env': '"BAD NAME": x' }).message).toMatch(/not a valid variable name/)
  })

  it('refuses a variable given both plainly and as a secret', () => {
    expect(errorOf({ env: 'TOKEN: a', 'secret-env': 'TOKEN: b' }).input).toBe('secret-env')
  })

  it('parses test-args as words or a YAML list', () => {
    expect(read({ 'test-args': '-test.v -test.run TestA' }).job.testArgs).toEqual([
      '-test.v',
      '-test.run',
      'TestA'
    ])
    expect(read({ 'test-args': "[-test.v, -test.run, 'TestA|TestB$']" }).job.testArgs).toEqual([
      '-test.v',
      '-test.run',
      'TestA|TestB$'
    ])
    expect(errorOf({ 'test-args': '[a, {b: c}]' }).message).toMatch(/list of strings/)
  })

  it('validates images: no latest, valid repository, tags and digests', () => {
    expect(errorOf({ image: 'Upper/Case' }).input).toBe('image')
    expect(errorOf({ image: 'acme/tests:latest' }).message).toMatch(/:latest' is refused/)
    expect(read({ image: 'localhost:5000/acme/tests' }).image.prebuilt).toBeUndefined()
    expect(read({ image: 'localhost:5000/acme/tests' }).image.repository).toBe(
      'localhost:5000/acme/tests'
    )
    const digest = 'acme/tests@sha256:' + 'a'.repeat(64)
    expect(read({ image: digest }).image.prebuilt).toBe(digest)
    expect(errorOf({ image: 'acme/tests@sha256:short' }).message).toMatch(/digest/)
  })

  it('requires {image} in a custom image-load command', () => {
    expect(errorOf({ 'image-load': 'ctr images import' }).input).toBe('image-load')
    expect(
      read({ 'image-load': 'docker save {image} | ctr -n k8s.io images import -' }).image.load
    ).toEqual({
      mode: 'command',
      command: 'docker save {image} | ctr -n k8s.io images import -'
    })
  })

  it('checks Kubernetes quantities, names, booleans and percentages', () => {
    expect(read({ 'memory-limit': '512Mi', 'cpu-limit': '500m' }).job).toMatchObject({
      memoryLimit: '512Mi',
      cpuLimit: '500m'
    })
    expect(errorOf({ 'memory-limit': '512 MB' }).input).toBe('memory-limit')
    expect(errorOf({ namespace: 'Bad_NS' }).input).toBe('namespace')
    expect(errorOf({ 'keep-cluster': 'yes' }).message).toMatch(/not a boolean/)
    expect(read({ 'min-coverage': '75.5%' }).report.minCoverage).toBe(75.5)
    expect(errorOf({ 'min-coverage': '120' }).input).toBe('min-coverage')
    expect(
      read({ 'env-from-secrets': 'db-credentials\n# comment\napi-keys' }).job.envFromSecrets
    ).toEqual(['db-credentials', 'api-keys'])
  })

  it('takes upload-artifact as an artifact name, and no artifact by default', () => {
    expect(read({}).report.uploadArtifact).toBeUndefined()
    expect(read({ 'upload-artifact': 'in-cluster-test-e2e' }).report.uploadArtifact).toBe(
      'in-cluster-test-e2e'
    )
    for (const bad of ['logs/e2e', 'a:b', 'what?', 'x\\y']) {
      const e = errorOf({ 'upload-artifact': bad })
      expect(e.input).toBe('upload-artifact')
      expect(e.message).toMatch(/cannot name an artifact/)
    }
  })

  it('checks that manifests and templates exist', () => {
    expect(errorOf({ manifests: 'deploy/' }).input).toBe('manifests')
    expect(errorOf({ 'job-template': 'nope.yaml' }).input).toBe('job-template')
    expect(read({ 'job-template': 'job.yaml' }).job.template?.path).toBe(path.join(ws, 'job.yaml'))
  })
})

describe('ArgoCD, deploy Secrets and sharding inputs', () => {
  const gh = {
    workspace: '',
    inActions: true,
    sha: 'a'.repeat(40),
    repositoryUrl: 'https://github.com/o/r.git'
  }

  it('installs ArgoCD only on demand and deploys nothing through it by default', () => {
    const i = read({})
    expect(i.deploy.argocd).toEqual({ install: 'auto', version: 'v3.2.11' })
    expect(i.deploy.application).toBeUndefined()
    expect(i.job.shards).toBe(1)
    expect(i.deploy.secrets).toEqual([])
  })

  it('renders the Application from app-path: this repository at the commit under test', () => {
    const i = getInputs((n) => ({ 'app-path': './deploy/', namespace: 'svc' })[n] ?? '', {
      ...gh,
      workspace: ws
    })
    expect(i.deploy.application).toEqual({
      file: undefined,
      repo: 'https://github.com/o/r.git',
      path: 'deploy',
      revision: 'a'.repeat(40),
      namespace: 'svc'
    })
  })

  describe("ArgoCD's credentials for app-repo", () => {
    const inGitHub = (values: Record<string, string>, sink?: { add: string[] }) =>
      getInputs(
        (n) => ({ 'app-path': 'deploy', ...values })[n] ?? '',
        { ...gh, workspace: ws },
        sink && { addRawInput: () => undefined, add: (v) => sink.add.push(...v) }
      ).deploy.application?.credentials

    it("uses the workflow's token for this repository (the default app-repo), masked", () => {
      const sink = { add: [] as string[] }
      expect(inGitHub({ 'github-token': 'ghs_t0ken' }, sink)).toEqual({
        username: 'x-access-token',
        password: 'ghs_t0ken',
        from: 'github-token'
      })
      expect(sink.add).toContain('ghs_t0ken')
      // The same repository written differently is still this one.
      expect(inGitHub({ 'github-token': 't', 'app-repo': 'https://github.com/O/R' })?.from).toBe(
        'github-token'
      )
    })

    it('gives none without a token, and never the token to another repository', () => {
      expect(inGitHub({})).toBeUndefined()
      expect(
        inGitHub({ 'github-token': 't', 'app-repo': 'https://github.com/o/other.git' })
      ).toBeUndefined()
    })

    it('uses app-repo-password for any repository (user x-access-token unless given), masked first', () => {
      const sink = { add: [] as string[] }
      expect(
        inGitHub(
          { 'app-repo': 'http://10.200.0.1:8418/r.git', 'app-repo-password': ' s3cret ' },
          sink
        )
      ).toEqual({ username: 'x-access-token', password: 's3cret', from: 'app-repo-password' })
      expect(sink.add[0]).toBe('s3cret')
      expect(
        inGitHub({
          'github-token': 't',
          'app-repo-username': 'e2e',
          'app-repo-password': 'p'
        })
      ).toEqual({ username: 'e2e', password: 'p', from: 'app-repo-password' })
    })

    it('refuses a user without a password, and credentials without app-path', () => {
      expect(errorOf({ 'app-path': 'd', 'app-repo': 'x', 'app-repo-username': 'u' }).message).toBe(
        "Input 'app-repo-username': needs 'app-repo-password' (a password or token)"
      )
      expect(errorOf({ 'app-repo-password': 'p' }).input).toBe('app-repo-password')
      const e = errorOf({ application: 'job.yaml', 'app-repo-password': 'p' })
      expect(e.message).toMatch(/is for the built-in Application \(app-path\)/)
      expect(e.message).not.toContain("'p'")
    })
  })

  it('needs a repository for app-path outside GitHub Actions', () => {
    expect(errorOf({ 'app-path': 'deploy' }).message).toMatch(
      /^Input 'app-repo': is required outside GitHub Actions/
    )
  })

  it('refuses app-repo without anything to deploy, and argocd images without a tag', () => {
    expect(errorOf({ 'app-repo': 'https://x/y.git' }).input).toBe('app-repo')
    expect(errorOf({ 'argocd-image': 'local/argocd' }).message).toMatch(
      /needs a tag or digest: it is used as it is/
    )
    expect(errorOf({ argocd: 'yes' }).message).toMatch(/'yes' is not one of: auto, true, false/)
    expect(errorOf({ 'argocd-manifest': 'http://x/install.yaml' }).input).toBe('argocd-manifest')
  })

  it('reads deploy-secrets by name or namespace/name, without echoing values in errors', () => {
    const i = read({
      'deploy-secrets':
        'db-credentials:\n  POSTGRES_PASSWORD: s3cret\n  PORT: 5432\nother/api:\n  TOKEN: t'
    })
    expect(i.deploy.secrets).toEqual([
      {
        name: 'db-credentials',
        namespace: undefined,
        data: { POSTGRES_PASSWORD: 's3cret', PORT: '5432' }
      },
      { name: 'api', namespace: 'other', data: { TOKEN: 't' } }
    ])
    const bad = errorOf({ 'deploy-secrets': 'db:\n  bad key: hunter2' })
    expect(bad.input).toBe('deploy-secrets')
    expect(bad.message).not.toContain('hunter2')
    const flat = errorOf({ 'deploy-secrets': 'db: plain-value' })
    expect(flat.input).toBe('deploy-secrets')
    expect(flat.message).not.toContain('plain-value')
  })

  it('reads secret values byte-exact, masking the raw text before parsing and every value after', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----'
    const raw =
      'PIN: 007\nHEX: 0x1F\nTILDE: ~\nHASH: abc #def\nALIAS: *abc\nTAG: !tag value\nKEY: |\n' +
      pem
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n')
    const masked: string[] = []
    const sink = {
      addRawInput: (t: string) => masked.push(`raw:${t.length}`),
      add: (v: Iterable<string>) => masked.push(...v)
    }
    const i = getInputs((name) => ({ 'secret-env': raw })[name] ?? '', env, sink)
    expect(i.job.secretEnv).toEqual({
      PIN: '007',
      HEX: '0x1F',
      TILDE: '~',
      HASH: 'abc #def',
      ALIAS: '*abc',
      TAG: '!tag value',
      KEY: pem + '\n'
    })
    // The raw text first (before anything could fail and print it), then each value.
    expect(masked[0]).toBe(`raw:${raw.length}`)
    expect(masked).toEqual(expect.arrayContaining(['007', '0x1F', 'abc #def', pem + '\n']))
  })

  it('takes shards from 1 to 64', () => {
    expect(read({ shards: '4' }).job.shards).toBe(4)
    for (const bad of ['0', '65', '2.5', 'two'])
      expect(errorOf({ shards: bad }).message).toMatch(/is not a whole number from 1 to 64/)
  })

  it('takes rerun-failed from 0 (the default: no rerun) to 5', () => {
    expect(read({}).job.rerunFailed).toBe(0)
    expect(read({ 'rerun-failed': '2' }).job.rerunFailed).toBe(2)
    for (const bad of ['-1', '6', 'yes'])
      expect(errorOf({ 'rerun-failed': bad }).message).toMatch(
        /rerun-failed.*is not a whole number from 0 to 5/
      )
  })

  it('fails on flaky tests by default without reruns, and not with them, unless told', () => {
    expect(read({}).report.failOnFlaky).toBe(true)
    expect(read({ 'rerun-failed': '1' }).report.failOnFlaky).toBe(false)
    expect(read({ 'rerun-failed': '1', 'fail-on-flaky': 'true' }).report.failOnFlaky).toBe(true)
    expect(read({ 'fail-on-flaky': 'false' }).report.failOnFlaky).toBe(false)
  })
})

describe('image-load push and the registry inputs', () => {
  const existing = { cluster: 'existing', kubeconfig: 'kubeconfig' }
  const push = { ...existing, 'image-load': 'push', registry: 'ghcr.io/acme' }

  it("refuses cluster 'existing' with image-load 'kind' in one line naming the fix", () => {
    const e = errorOf(existing)
    expect(e.input).toBe('image-load')
    expect(e.message).not.toContain('\n')
    expect(e.message).toMatch(/image-load: push and registry .*or an image-load command/)
    // It only matters when something is loaded: a prebuilt image is pulled as it is.
    expect(read({ ...existing, image: 'ghcr.io/acme/tests:1.0' }).image.load).toEqual({
      mode: 'kind'
    })
    expect(
      errorOf({ ...existing, image: 'ghcr.io/acme/tests:1.0', 'load-images': 'acme/api:1' }).input
    ).toBe('image-load')
    // A kind cluster still loads with kind, and push works on it too.
    expect(read({}).image.load).toEqual({ mode: 'kind' })
    expect(read({ 'image-load': 'push', registry: 'localhost:5000' }).image.registry).toEqual({
      prefix: 'localhost:5000',
      host: 'localhost:5000'
    })
  })

  it('reads push with its registry prefix and host', () => {
    const i = read(push)
    expect(i.image.load).toEqual({ mode: 'push' })
    expect(i.image.registry).toEqual({ prefix: 'ghcr.io/acme', host: 'ghcr.io' })
    expect(read({ ...push, registry: '10.200.0.1:5000/tests/' }).image.registry).toEqual({
      prefix: '10.200.0.1:5000/tests',
      host: '10.200.0.1:5000'
    })
    // No host: Docker Hub, as docker push reads `acme/tests`.
    expect(read({ ...push, registry: 'acme' }).image.registry).toEqual({
      prefix: 'acme',
      host: 'docker.io'
    })
  })

  it('refuses a registry that is not a repository prefix', () => {
    expect(errorOf({ ...push, registry: 'https://ghcr.io/acme' }).message).toMatch(
      /without a scheme/
    )
    expect(errorOf({ ...push, registry: 'ghcr.io/acme:v1' }).message).toMatch(/no tag or digest/)
    expect(errorOf({ ...push, registry: 'ghcr.io/Acme' }).input).toBe('registry')
    expect(errorOf({ ...push, registry: 'ghcr_io.x/acme' }).message).toMatch(/no valid host/)
    // The host is an argument of docker login: never one that reads as a flag.
    expect(errorOf({ ...push, registry: '-h.io:5000/acme' }).message).toMatch(/no valid host/)
  })

  it('needs a registry with push, and push for a registry', () => {
    const e = errorOf({ ...existing, 'image-load': 'push' })
    expect(e.input).toBe('registry')
    expect(e.message).toMatch(/required with image-load 'push'/)
    for (const name of ['registry', 'registry-username', 'registry-password'])
      expect(errorOf({ [name]: 'x.io/y' }).message).toBe(
        `Input '${name}': is only used with image-load 'push': set image-load: push, or leave ${name} empty`
      )
  })

  it('needs username and password together', () => {
    expect(errorOf({ ...push, 'registry-password': 'pw' }).input).toBe('registry-password')
    expect(errorOf({ ...push, 'registry-username': 'bot' }).input).toBe('registry-username')
    expect(
      read({ ...push, 'registry-username': 'bot', 'registry-password': 'pw' }).image.registry
    ).toEqual({
      prefix: 'ghcr.io/acme',
      host: 'ghcr.io',
      credentials: { username: 'bot', password: 'pw' }
    })
  })

  it('refuses load-images with push: the manifests name those images as they are', () => {
    expect(errorOf({ ...push, 'load-images': 'acme/api:1.0' }).input).toBe('load-images')
  })

  it('masks the password before anything else, then the auth a pull Secret holds', () => {
    const masked: string[] = []
    const sink = {
      addRawInput: () => undefined,
      add: (v: Iterable<string>) => masked.push(...[...v].filter((x) => x !== ''))
    }
    const values: Record<string, string> = {
      ...push,
      'registry-username': 'bot',
      'registry-password': ' s3cr3t-pw \n'
    }
    const i = getInputs((name) => values[name] ?? '', env, sink)
    expect(i.image.registry?.credentials).toEqual({ username: 'bot', password: 's3cr3t-pw' })
    expect(masked[0]).toBe(' s3cr3t-pw \n')
    expect(masked).toEqual(
      expect.arrayContaining(['s3cr3t-pw', Buffer.from('bot:s3cr3t-pw').toString('base64')])
    )
    // A bad input's error never carries the password.
    const e = errorOf({ ...values, 'registry-username': '' })
    expect(e.message).not.toContain('s3cr3t')
  })
})

describe('job-template', () => {
  it('is checked with the inputs, before any cluster work', () => {
    expect(read({ 'job-template': 'job.yaml' }).job.template?.path).toBe(path.join(ws, 'job.yaml'))
    const e = errorOf({ 'job-template': 'deployment.yaml' })
    expect(e.input).toBe('job-template')
    expect(e.message).toMatch(
      /deployment\.yaml: must be a batch\/v1 Job, but is apps\/v1 Deployment/
    )
  })
})

describe('the inputs table', () => {
  const action = parseYaml(fs.readFileSync('action.yml', 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }

  it('has every input of action.yml, in its order', () => {
    expect(INPUT_NAMES).toEqual(Object.keys(action.inputs))
  })

  it('has the defaults of action.yml (an expression only the runner fills in stays unset)', () => {
    for (const name of INPUT_NAMES) {
      const declared = action.inputs[name].default ?? ''
      const expected = declared === '' || declared.startsWith('${{') ? undefined : declared
      expect({ name, default: DEFAULTS[name] }).toEqual({ name, default: expected })
    }
  })

  it('puts every input in a stage group', () => {
    const groups = new Set(Object.values(INPUTS).map((d) => d.group))
    expect([...groups].sort()).toEqual(['cluster', 'deploy', 'image', 'job', 'report', 'run'])
  })
})
