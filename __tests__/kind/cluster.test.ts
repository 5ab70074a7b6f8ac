import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createClusterArgs, exportLogsArgs, loadDockerImageArgs } from '../../src/kind/argv.js'
import { ensureKindCluster } from '../../src/kind/cluster.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-kind-'))

describe('kind argv', () => {
  it('builds the create command with config, kubeconfig, image and wait', () => {
    expect(
      createClusterArgs({
        name: 'ict',
        configPath: '/c.yaml',
        kubeconfigPath: '/k',
        nodeImage: 'kindest/node:v1.33.1',
        waitSeconds: 90
      })
    ).toEqual([
      'create',
      'cluster',
      '--name',
      'ict',
      '--config',
      '/c.yaml',
      '--kubeconfig',
      '/k',
      '--image',
      'kindest/node:v1.33.1',
      '--wait',
      '90s'
    ])
    expect(
      createClusterArgs({ name: 'a', configPath: '/c', kubeconfigPath: '/k', waitSeconds: 1 })
    ).not.toContain('--image')
  })

  it('passes hostile values as single arguments', () => {
    expect(exportLogsArgs('ict', '/tmp/x; rm -rf /')).toEqual([
      'export',
      'logs',
      '/tmp/x; rm -rf /',
      '--name',
      'ict'
    ])
    expect(loadDockerImageArgs('ict', 'a/b:c')).toEqual([
      'load',
      'docker-image',
      'a/b:c',
      '--name',
      'ict'
    ])
  })
})

describe('ensureKindCluster', () => {
  it('creates a cluster that does not exist yet', async () => {
    const exec = new FakeExec().on((c) => c.args[0] === 'get', { stdout: 'other\n' })
    const dir = tmp()
    const c = await ensureKindCluster(
      {
        kind: '/bin/kind',
        name: 'ict',
        configPath: '/c.yaml',
        kubeconfigPath: path.join(dir, 'kc')
      },
      exec,
      new FakeLogger()
    )
    expect(c).toEqual({ name: 'ict', kubeconfigPath: path.join(dir, 'kc'), created: true })
    expect(exec.commandLines()[1]).toMatch(/^\/bin\/kind create cluster --name ict/)
  })

  it('reuses an existing cluster and marks it as not ours', async () => {
    const dir = tmp()
    const exec = new FakeExec()
      .on((c) => c.args[0] === 'get' && c.args[1] === 'clusters', { stdout: 'ict\n' })
      .on((c) => c.args[1] === 'kubeconfig', { stdout: 'apiVersion: v1\n' })
    const c = await ensureKindCluster(
      { kind: 'kind', name: 'ict', configPath: '/c', kubeconfigPath: path.join(dir, 'kc') },
      exec,
      new FakeLogger()
    )
    expect(c.created).toBe(false)
    expect(fs.readFileSync(path.join(dir, 'kc'), 'utf8')).toBe('apiVersion: v1\n')
    expect(exec.commandLines().some((l) => l.includes('create'))).toBe(false)
  })

  it('says what to check when kind create fails', async () => {
    const exec = new FakeExec().on((c) => c.args[0] === 'create', {
      exitCode: 1,
      stderr:
        'ERROR: failed to create cluster: failed to ensure docker network: command "docker network ls" failed'
    })
    await expect(
      ensureKindCluster(
        { kind: 'kind', name: 'ict', configPath: '/c', kubeconfigPath: '/k' },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow(
      /kind create cluster failed \(exit 1\): .*docker network ls.*Check that Docker runs/
    )
  })
})
