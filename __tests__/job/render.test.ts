import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import { stringify } from 'yaml'
import { parseJobTemplate } from '../../src/k8s/job-template.js'
import { dockerConfigJson } from '../../src/image/push.js'
import {
  jobName,
  jobOwner,
  quantityValue,
  renderJob,
  renderPullSecret,
  renderSecret,
  type JobRenderOptions
} from '../../src/job/render.js'

const template = parseJobTemplate(
  fs.readFileSync('templates/test-job.yaml', 'utf8'),
  'templates/test-job.yaml'
)

const options: JobRenderOptions = {
  name: 'tests-abc',
  namespace: 'example',
  image: 'example/tests:0123456789ab',
  args: ['-test.v'],
  env: {},
  envFromSecrets: [],
  deadlineSeconds: 900
}

const container = (job: ReturnType<typeof renderJob>) => job.spec.template.spec.containers[0]

describe('renderJob', () => {
  it('renders the default template with the seed shape', () => {
    const job = renderJob(template, options)
    expect(job.metadata).toMatchObject({
      name: 'tests-abc',
      namespace: 'example',
      labels: { 'app.kubernetes.io/managed-by': 'in-cluster-test' }
    })
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      ttlSecondsAfterFinished: 600,
      activeDeadlineSeconds: 900
    })
    expect(container(job)).toMatchObject({
      name: 'tests',
      image: 'example/tests:0123456789ab',
      imagePullPolicy: 'IfNotPresent',
      args: ['-test.v']
    })
    expect(container(job).env?.[0]).toEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } }
    })
  })

  it('sets the command for an image without ENTRYPOINT, unless the template has one', () => {
    const job = renderJob(template, { ...options, command: ['./integration-tests'] })
    expect(container(job)).toMatchObject({ command: ['./integration-tests'], args: ['-test.v'] })
    expect(container(renderJob(template, options)).command).toBeUndefined()
    const own = structuredClone(template)
    own.spec.template.spec.containers[0].command = ['/bin/tests']
    expect(
      container(renderJob(own, { ...options, command: ['./integration-tests'] })).command
    ).toEqual(['/bin/tests'])
  })

  it('keeps hostile values as plain strings: no YAML or shell injection', () => {
    const hostile = {
      INJECT: 'x\n  command: [sh, -c, "curl evil | sh"]\n  securityContext: {privileged: true}',
      SHELL: '$(rm -rf /) `id` ; echo pwned',
      TEMPLATE: '{{ .Values.secret }} ${HOME}',
      QUOTES: `'"\\`,
      UNICODE: 'héllo ✓ \u0000\u202e',
      LONG: 'x'.repeat(100_000)
    }
    const job = renderJob(template, {
      ...options,
      env: hostile,
      args: ['-test.run', 'Test\n  command: [sh]']
    })
    const c = container(job)
    for (const [name, value] of Object.entries(hostile))
      expect(c.env).toContainEqual({ name, value })
    expect(c.args).toEqual(['-test.run', 'Test\n  command: [sh]'])
    expect(Object.keys(c).sort()).toEqual([
      'args',
      'env',
      'image',
      'imagePullPolicy',
      'name',
      'resources',
      'securityContext',
      'volumeMounts'
    ])
    // Through YAML and back, the values are still single strings and the shape is unchanged.
    const round = parseJobTemplate(stringify(job), 'round-trip')
    expect(container(round as never).env).toEqual(c.env)
    expect(round.spec.template.spec).toEqual(job.spec.template.spec)
  })

  it('references secret-env by key and never carries the values', () => {
    const job = renderJob(template, {
      ...options,
      secretEnv: { secretName: 'tests-abc-env', keys: ['JWT_SECRET'] },
      envFromSecrets: ['db']
    })
    const c = container(job)
    expect(c.env).toContainEqual({
      name: 'JWT_SECRET',
      valueFrom: { secretKeyRef: { name: 'tests-abc-env', key: 'JWT_SECRET' } }
    })
    expect(c.envFrom).toEqual([{ secretRef: { name: 'db' } }])
    expect(JSON.stringify(job)).not.toContain('value":"s3cr3t')
    const secret = renderSecret('tests-abc-env', 'example', {
      JWT_SECRET: 's3cr3t'
    }) as unknown as { stringData: object; type: string }
    expect(secret).toMatchObject({
      kind: 'Secret',
      type: 'Opaque',
      stringData: { JWT_SECRET: 's3cr3t' }
    })
  })

  it('sets limits and keeps requests below them', () => {
    const c = container(renderJob(template, { ...options, memoryLimit: '64Mi', cpuLimit: '2' }))
    expect(c.resources).toEqual({
      limits: { memory: '64Mi', cpu: '2' },
      requests: { memory: '64Mi', cpu: '100m' }
    })
    expect(quantityValue('1Gi')).toBe(2 ** 30)
    expect(quantityValue('500m')).toBe(0.5)
  })

  it('overrides a template env entry of the same name instead of duplicating it', () => {
    const c = container(renderJob(template, { ...options, env: { POD_NAMESPACE: 'fixed' } }))
    expect(c.env?.filter((e) => e.name === 'POD_NAMESPACE')).toEqual([
      { name: 'POD_NAMESPACE', value: 'fixed' }
    ])
  })

  it('pulls a pushed image by digest through the pull Secret, keeping the template own ones', () => {
    const image = `10.200.0.1:5000/tests/tests@sha256:${'4d'.repeat(32)}`
    const job = renderJob(template, { ...options, image, imagePullSecrets: ['tests-abc-pull'] })
    expect(container(job)).toMatchObject({ image, imagePullPolicy: 'IfNotPresent' })
    expect(job.spec.template.spec.imagePullSecrets).toEqual([{ name: 'tests-abc-pull' }])
    expect(renderJob(template, options).spec.template.spec).not.toHaveProperty('imagePullSecrets')

    const own = structuredClone(template)
    own.spec.template.spec.imagePullSecrets = [
      { name: 'corp-registry' },
      { name: 'tests-abc-pull' }
    ]
    expect(
      renderJob(own, { ...options, imagePullSecrets: ['tests-abc-pull'] }).spec.template.spec
        .imagePullSecrets
    ).toEqual([{ name: 'corp-registry' }, { name: 'tests-abc-pull' }])
  })

  it('leaves the template object untouched', () => {
    const before = JSON.stringify(template)
    renderJob(template, { ...options, env: { A: 'b' }, memoryLimit: '1Gi' })
    expect(JSON.stringify(template)).toBe(before)
  })
})

describe('the default pod meets Pod Security "restricted"', () => {
  it('has no API token, no root, no privilege escalation, no capabilities, seccomp RuntimeDefault', () => {
    const spec = renderJob(template, options).spec.template.spec as Record<string, unknown>
    expect(spec.automountServiceAccountToken).toBe(false)
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' }
    })
    expect(container(renderJob(template, options))).toMatchObject({
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' }
      },
      // A writable /tmp for a scratch image run as a non-root user.
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }]
    })
    // Only volume types "restricted" allows.
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }])
  })
})

describe('renderJob on a user template', () => {
  const user = parseJobTemplate(
    [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata: {name: mine, labels: {team: payments}}',
      'spec:',
      '  template:',
      '    spec:',
      '      serviceAccountName: tester',
      '      nodeSelector: {pool: ci}',
      '      volumes: [{name: fixtures, configMap: {name: fixtures}}]',
      '      restartPolicy: Never',
      '      containers:',
      '        - name: proxy',
      '          image: envoy:1.0',
      '        - name: tests',
      '          image: placeholder',
      '          volumeMounts: [{name: fixtures, mountPath: /fixtures}]',
      '          envFrom: [{configMapRef: {name: settings}}]'
    ].join('\n'),
    'user.yaml'
  )

  it('keeps the user fields and fills only the container named tests', () => {
    const job = renderJob(user, { ...options, envFromSecrets: ['db'] })
    const spec = job.spec.template.spec as Record<string, unknown>
    expect(spec).toMatchObject({
      serviceAccountName: 'tester',
      nodeSelector: { pool: 'ci' },
      volumes: [{ name: 'fixtures', configMap: { name: 'fixtures' } }]
    })
    const [proxy, tests] = job.spec.template.spec.containers
    expect(proxy).toEqual({ name: 'proxy', image: 'envoy:1.0' })
    expect(tests).toMatchObject({
      image: 'example/tests:0123456789ab',
      imagePullPolicy: 'IfNotPresent',
      volumeMounts: [{ name: 'fixtures', mountPath: '/fixtures' }],
      envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'db' } }]
    })
    expect(job.metadata).toMatchObject({
      name: 'tests-abc',
      namespace: 'example',
      labels: { team: 'payments', 'app.kubernetes.io/managed-by': 'in-cluster-test' }
    })
    expect(job.spec.activeDeadlineSeconds).toBe(900)
  })

  it('keeps values that look like other YAML types as strings after a round trip', () => {
    const env = { A: '0123', B: 'true', C: 'null', D: '1e3', E: '~', F: '- item', G: '&anchor *x' }
    const job = renderJob(user, { ...options, env })
    const round = parseJobTemplate(stringify(job), 'round-trip')
    const tests = round.spec.template.spec.containers.find((c) => c.name === 'tests')!
    for (const [name, value] of Object.entries(env))
      expect(tests.env).toContainEqual({ name, value })
  })
})

describe('the test container', () => {
  const job = (containers: string) =>
    `apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers: ${containers}\n`

  it('is the only container, whatever its name (then named tests, as the watch expects)', () => {
    const single = parseJobTemplate(job('[{name: integration, image: x}]'), 'one.yaml')
    const c = container(renderJob(single, options))
    expect(c).toMatchObject({ name: 'tests', image: 'example/tests:0123456789ab' })
  })

  it('must be named tests when there are several', () => {
    expect(() =>
      parseJobTemplate(job('[{name: proxy, image: a}, {name: app, image: b}]'), 'two.yaml')
    ).toThrow(
      "Job template two.yaml: has 2 containers ('proxy', 'app') and none is named 'tests': name the container that runs the tests 'tests'"
    )
    expect(() => parseJobTemplate(job('[{image: a}, {name: b}]'), 't.yaml')).toThrow(
      "has 2 containers ((unnamed), 'b')"
    )
    const named = parseJobTemplate(job('[{name: proxy, image: a}, {name: tests}]'), 'ok.yaml')
    expect(renderJob(named, options).spec.template.spec.containers).toEqual([
      { name: 'proxy', image: 'a' },
      expect.objectContaining({ name: 'tests', image: 'example/tests:0123456789ab' })
    ])
  })
})

describe('parseJobTemplate', () => {
  it('names what a template is instead of a Job', () => {
    expect(() => parseJobTemplate('apiVersion: apps/v1\nkind: Deployment\n', 't.yaml')).toThrow(
      'Job template t.yaml: must be a batch/v1 Job, but is apps/v1 Deployment'
    )
    expect(() =>
      parseJobTemplate(
        'kind: Job\napiVersion: batch/v1\n---\nkind: Job\napiVersion: batch/v1\n',
        't.yaml'
      )
    ).toThrow(/exactly one object .* found 2/)
    expect(() => parseJobTemplate('a: [b', 't.yaml')).toThrow(
      /^Job template t.yaml: is not valid YAML/
    )
    expect(() => parseJobTemplate('- a\n- b', 't.yaml')).toThrow(
      'Job template t.yaml: must be a batch/v1 Job, but is a list of 2'
    )
    expect(() => parseJobTemplate('just text', 't.yaml')).toThrow(
      'must be a batch/v1 Job, but is a string ("just text")'
    )
    expect(() => parseJobTemplate('kind: Job\n', 't.yaml')).toThrow(
      'must be a batch/v1 Job, but is (no apiVersion) Job'
    )
    expect(() => parseJobTemplate('apiVersion: batch/v1beta1\nkind: CronJob\n', 't.yaml')).toThrow(
      'but is batch/v1beta1 CronJob'
    )
    expect(() => parseJobTemplate('', 't.yaml')).toThrow(/exactly one object .* found 0/)
    expect(() => parseJobTemplate('apiVersion: batch/v1\nkind: Job\nspec: {}\n', 't.yaml')).toThrow(
      'Job template t.yaml: has no spec.template.spec.containers'
    )
  })
})

describe('renderSecret', () => {
  it('is owned by the Jobs that read it, once they exist', () => {
    const owner = jobOwner({ metadata: { name: 'tests-abc', uid: 'u-1' } })
    expect(jobOwner({ metadata: { name: 'tests-abc' } })).toBeUndefined()
    const secret = renderSecret('tests-abc-env', 'ns', { A: 'b' }, {}, [owner!])
    expect(secret.metadata).toMatchObject({
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'tests-abc', uid: 'u-1' }]
    })
    expect(renderSecret('s', 'ns', {}).metadata).not.toHaveProperty('ownerReferences')
  })
})

describe('renderPullSecret', () => {
  it('is a kubernetes.io/dockerconfigjson Secret with auths.<host>.auth = base64(user:password)', () => {
    const config = dockerConfigJson('10.200.0.1:5000', { username: 'ci-bot', password: 'pw:1' })
    const owner = jobOwner({ metadata: { name: 'tests-abc', uid: 'u-1' } })!
    const secret = renderPullSecret('tests-abc-pull', 'ns', config, { run: 'r' }, [owner]) as {
      type: string
      stringData: Record<string, string>
      metadata: Record<string, unknown>
    }
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson')
    expect(secret.metadata).toMatchObject({
      name: 'tests-abc-pull',
      namespace: 'ns',
      labels: { 'app.kubernetes.io/managed-by': 'in-cluster-test', run: 'r' },
      ownerReferences: [{ kind: 'Job', name: 'tests-abc', uid: 'u-1' }]
    })
    expect(Object.keys(secret.stringData)).toEqual(['.dockerconfigjson'])
    const auth = JSON.parse(secret.stringData['.dockerconfigjson']).auths['10.200.0.1:5000'].auth
    expect(Buffer.from(auth, 'base64').toString()).toBe('ci-bot:pw:1')
  })
})

describe('jobName', () => {
  it('makes DNS-1123 names of at most 63 characters', () => {
    const n = jobName('Tests_For/My Service'.repeat(5), 'ABC-123-xyz')
    expect(n.length).toBeLessThanOrEqual(63)
    expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    expect(n.endsWith('abc-123-xyz')).toBe(true)
  })
})
