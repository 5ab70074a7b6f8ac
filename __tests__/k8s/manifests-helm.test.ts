import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parse as parseYaml } from 'yaml'
import {
  ChartRenderError,
  helmMessage,
  helmTemplateArgs,
  loadManifests,
  type ChartRendering
} from '../../src/k8s/manifests.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'

// Captured from helm v3.18.4 (built from its Go module) on example/chart: the output of
// `helm template in-cluster-test-example example/chart --namespace example --include-crds
// --skip-tests --values example/chart/values-local.yaml`, and its stderr with the tag emptied.
const fixture = (f: string) => fs.readFileSync(path.join('__fixtures__', 'helm', f), 'utf8')

function chartDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-chart-'))
  fs.writeFileSync(
    path.join(dir, 'Chart.yaml'),
    'apiVersion: v2\nname: workflows\nversion: 0.1.0\n'
  )
  return dir
}

const rendering = (values?: Record<string, unknown>): ChartRendering & { asked: number } => {
  const r = {
    asked: 0,
    helm: async () => {
      r.asked++
      return '/opt/helm/helm'
    },
    release: 'in-cluster-test-example',
    namespace: 'example',
    valueFiles: ['/ws/example/chart/values-local.yaml', '/ws/ci.yaml'],
    values
  }
  return r
}

describe('helm template', () => {
  it('is called with the release, the chart, the namespace, the value files in order, inline values last', () => {
    expect(
      helmTemplateArgs('/ws/example/chart', {
        release: 'in-cluster-test-example',
        namespace: 'example',
        valueFiles: ['/ws/a.yaml', '/ws/b.yaml'],
        inlineValues: true
      })
    ).toEqual([
      'template',
      'in-cluster-test-example',
      '/ws/example/chart',
      '--namespace',
      'example',
      '--include-crds',
      '--skip-tests',
      '--values',
      '/ws/a.yaml',
      '--values',
      '/ws/b.yaml',
      '--values',
      '-'
    ])
    expect(
      helmTemplateArgs('c', { release: 'r', namespace: 'n', valueFiles: [], inlineValues: false })
    ).toEqual(['template', 'r', 'c', '--namespace', 'n', '--include-crds', '--skip-tests'])
  })

  it('renders a chart folder with the given helm, inline values on stdin, into objects', async () => {
    const chart = chartDir()
    const exec = new FakeExec().on((c) => c.args[0] === 'template', {
      stdout: fixture('example-chart.yaml')
    })
    const r = rendering({ workflows: { resources: { limits: { memory: '192Mi' } } } })
    const objects = await loadManifests([chart], '/usr/bin/kubectl', exec, r)
    expect(exec.commandLines()).toEqual([
      `/opt/helm/helm template in-cluster-test-example ${chart} --namespace example --include-crds --skip-tests --values /ws/example/chart/values-local.yaml --values /ws/ci.yaml --values -`
    ])
    expect(parseYaml(String(exec.calls[0].options?.input))).toEqual({
      workflows: { resources: { limits: { memory: '192Mi' } } }
    })
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'Secret/postgres-credentials',
      'Secret/workflows-jwt',
      'Service/postgres',
      'Service/workflows',
      'Deployment/workflows',
      'StatefulSet/postgres',
      'Job/workflows-migrate'
    ])
    const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } }
    }
    expect(deployment.spec.template.spec.containers[0].image).toBe('example/workflows:e2e')
  })

  it('asks for helm only when a path is a chart', async () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-plain-'))
    fs.writeFileSync(
      path.join(plain, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n'
    )
    const r = rendering()
    const exec = new FakeExec()
    await loadManifests([plain], 'kubectl', exec, r)
    expect(r.asked).toBe(0)
    expect(exec.calls).toEqual([])
  })

  it("fails with helm's own message when the chart does not render", async () => {
    const chart = chartDir()
    const stderr = fixture('required-tag.stderr')
    const exec = new FakeExec().on((c) => c.args[0] === 'template', { exitCode: 1, stderr })
    const err = await loadManifests([chart], 'kubectl', exec, rendering()).catch((e: Error) => e)
    expect(err).toBeInstanceOf(ChartRenderError)
    const first = stderr.split('\n')[0]
    expect(first).toMatch(/^Error: /)
    expect((err as ChartRenderError).helmMessage).toBe(first)
    expect((err as Error).message).toBe(`helm template ${chart} failed: ${first}`)
  })

  it("keeps helm's message and drops its advice to rerun with --debug", () => {
    expect(
      helmMessage(
        'Error: YAML parse error on x.yaml: bad\nUse --debug flag to render out invalid YAML\n'
      )
    ).toBe('Error: YAML parse error on x.yaml: bad')
    expect(helmMessage('')).toBe('(no output)')
  })
})
