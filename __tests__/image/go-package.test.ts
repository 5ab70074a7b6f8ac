import { describe, expect, it } from '@jest/globals'
import { execFile, execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  DEFAULT_COVER_FLAGS,
  goArch,
  goPackageImage,
  goTestCompileArgs,
  goTestCompileEnv,
  type GoPackageResult
} from '../../src/image/go-package.js'
import type { Exec } from '../../src/ports.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'
import { checkArchive } from './archive-check.js'
import { elf } from './elf-fixture.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-gopkg-'))

function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 20_000 })
    return true
  } catch {
    return false
  }
}

/** The real thing, as deps.ts's Exec behaves: environment merged over the process's. */
const childExec: Exec = {
  run: (command, args, options = {}) =>
    new Promise((resolve, reject) => {
      execFile(
        command,
        args,
        {
          cwd: options.cwd,
          env: { ...process.env, ...options.env },
          maxBuffer: 64 << 20
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code === 'string') return reject(error)
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
          resolve({ exitCode: code, stdout, stderr })
        }
      )
    })
}

describe('go test -c argv', () => {
  it('compiles one package with coverage of the module by default', () => {
    expect(goTestCompileArgs({ pkg: './tests/integration' }, '/w/t.test')).toEqual([
      'test',
      '-c',
      '-cover',
      ...DEFAULT_COVER_FLAGS,
      '-o',
      '/w/t.test',
      './tests/integration'
    ])
  })

  it('puts the user flags before the output and the package', () => {
    expect(
      goTestCompileArgs(
        {
          pkg: 'example.com/m/tests',
          coverFlags: ['-covermode=count', '-coverpkg=./internal/...'],
          buildFlags: ['-tags=integration', '-trimpath']
        },
        'o'
      )
    ).toEqual([
      'test',
      '-c',
      '-cover',
      '-covermode=count',
      '-coverpkg=./internal/...',
      '-tags=integration',
      '-trimpath',
      '-o',
      'o',
      'example.com/m/tests'
    ])
  })

  it('refuses a second package, a positional word or the flags it sets itself', () => {
    expect(() => goTestCompileArgs({ pkg: './a ./b' }, 'o')).toThrow(/one package path/)
    expect(() => goTestCompileArgs({ pkg: '' }, 'o')).toThrow(/one package path/)
    expect(() => goTestCompileArgs({ pkg: '-x' }, 'o')).toThrow(/one package path/)
    expect(() => goTestCompileArgs({ pkg: './t', buildFlags: ['./other'] }, 'o')).toThrow(
      /build flags: '\.\/other' is not a flag/
    )
    expect(() => goTestCompileArgs({ pkg: './t', buildFlags: ['-o=/x'] }, 'o')).toThrow(
      /'-o=\/x' is set by the action/
    )
    expect(() => goTestCompileArgs({ pkg: './t', coverFlags: ['-c'] }, 'o')).toThrow(
      /cover flags: '-c' is set by the action/
    )
    expect(goTestCompileArgs({ pkg: './t', buildFlags: ['-cover', '-count=1'] }, 'o')).toContain(
      '-count=1'
    )
  })

  it('builds static Linux binaries for the node architecture', () => {
    expect(goTestCompileEnv('arm64')).toEqual({ CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'arm64' })
    expect(goArch('x64')).toBe('amd64')
    expect(goArch('arm64')).toBe('arm64')
    expect(() => goArch('mips')).toThrow(/no Go architecture/)
  })
})

describe('goPackageImage (fake go)', () => {
  const fakeGo = (binary: Buffer) =>
    new FakeExec().on(
      (c) => c.command === 'go',
      (c) => {
        fs.writeFileSync(c.args[c.args.indexOf('-o') + 1], binary)
        return {}
      }
    )

  it('compiles in the workspace with CGO_ENABLED=0 and packs the binary', async () => {
    const workDir = tmp()
    const exec = fakeGo(elf({ phTypes: [6, 1] }))
    const log = new FakeLogger()
    const r = await goPackageImage(
      {
        pkg: './tests/integration',
        workspace: '/src',
        repository: 'acme/t',
        workDir,
        arch: 'amd64'
      },
      exec,
      log
    )
    expect(exec.calls[0]).toMatchObject({
      command: 'go',
      options: { cwd: '/src', env: { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64' } }
    })
    expect(r.image).toMatch(/^acme\/t:[a-f0-9]{12}$/)
    expect(checkArchive(r.archive).image).toBe(r.image)
    expect(log.text('info')).toMatch(/Compiled \.\/tests\/integration in .* packed acme\/t:/)
  })

  it('refuses a dynamically linked binary with the reason and the fix', async () => {
    const exec = fakeGo(elf({ phTypes: [6, 3, 1], interp: '/lib64/ld-linux-x86-64.so.2' }))
    await expect(
      goPackageImage(
        { pkg: './t', workspace: '.', repository: 'r', workDir: tmp(), arch: 'amd64' },
        exec,
        new FakeLogger()
      )
    ).rejects.toThrow(/test binary of \.\/t cannot be packed: .*ld-linux.*CGO_ENABLED=0/)
  })

  it('reports a compile error and a package without tests', async () => {
    const failing = new FakeExec().on((c) => c.command === 'go', {
      exitCode: 1,
      stderr: '# example/tests\n./a_test.go:3:1: syntax error'
    })
    const o = { pkg: './t', workspace: '/ws', repository: 'r', workDir: tmp(), arch: 'amd64' }
    await expect(goPackageImage(o, failing, new FakeLogger())).rejects.toThrow(
      /go test -c of \.\/t failed \(exit 1\) in \/ws: .*syntax error/
    )
    await expect(goPackageImage(o, new FakeExec(), new FakeLogger())).rejects.toThrow(
      /wrote no binary for \.\/t: the package has no test files/
    )
    const missing: Exec = {
      run: () => Promise.reject(new Error('Unable to locate executable file: go'))
    }
    await expect(goPackageImage(o, missing, new FakeLogger())).rejects.toThrow(
      /needs Go on the runner .*actions\/setup-go/
    )
  })
})

const goAvailable = has('go', ['version'])
const dockerAvailable = goAvailable && has('docker', ['info'])
/** Opt-in: a containerd to import into and run from (e.g. a test instance, never the cluster's). */
const containerd = process.env.CONTAINERD_ADDRESS
const withGo = goAvailable ? describe : describe.skip
const withDocker = dockerAvailable ? describe : describe.skip
const withContainerd = containerd && goAvailable ? describe : describe.skip

function tinyModule(): string {
  const dir = tmp()
  fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/tiny\n\ngo 1.22\n')
  fs.writeFileSync(
    path.join(dir, 'add.go'),
    'package tiny\n\nfunc Add(a, b int) int { return a + b }\n'
  )
  fs.mkdirSync(path.join(dir, 'tests'))
  fs.writeFileSync(
    path.join(dir, 'tests', 'add_test.go'),
    [
      'package tests',
      '',
      'import (',
      '\t"os"',
      '\t"testing"',
      '',
      '\ttiny "example.com/tiny"',
      ')',
      '',
      'func TestAdd(t *testing.T) {',
      '\tif tiny.Add(1, 2) != 3 {',
      '\t\tt.Fatal("1+2")',
      '\t}',
      '\twd, _ := os.Getwd()',
      '\tt.Logf("wd=%s", wd)',
      '\tif err := os.WriteFile(t.TempDir()+"/f", []byte("x"), 0o600); err != nil {',
      '\t\tt.Fatal(err)',
      '\t}',
      '}',
      ''
    ].join('\n')
  )
  return dir
}

withGo('goPackageImage (real go)', () => {
  const workspace = goAvailable ? tinyModule() : ''
  const options = {
    pkg: './tests',
    workspace,
    repository: 'in-cluster-test/unit',
    workDir: tmp(),
    arch: goArch(process.arch)
  }
  let packed: Promise<GoPackageResult> | undefined
  const once = (): Promise<GoPackageResult> =>
    (packed ??= goPackageImage(options, childExec, new FakeLogger()))

  it('compiles a static test binary and packs it', async () => {
    const r = await once()
    const a = checkArchive(r.archive)
    expect(a.config.config).toMatchObject({ Entrypoint: ['/integration.test'], WorkingDir: '/tmp' })
    expect(a.layer[0].content.equals(fs.readFileSync(r.binary))).toBe(true)
    expect(a.layer[1]).toMatchObject({ name: 'tmp/', mode: 0o1777, type: '5' })
  }, 120_000)

  it('gives the same tag when compiled again (Go builds are reproducible)', async () => {
    const r = await once()
    const again = await goPackageImage({ ...options, workDir: tmp() }, childExec, new FakeLogger())
    expect(again.image).toBe(r.image)
  }, 120_000)

  it('refuses a position-independent build, which needs a dynamic loader', async () => {
    await expect(
      goPackageImage(
        { ...options, buildFlags: ['-buildmode=pie'], workDir: tmp() },
        childExec,
        new FakeLogger()
      )
    ).rejects.toThrow(/dynamically linked .*ld-linux.*CGO_ENABLED=0/)
  }, 120_000)

  withDocker('with Docker', () => {
    it('docker load takes the archive and docker run runs the tests in /tmp', async () => {
      const r = await once()
      execFileSync('docker', ['load', '--input', r.archive])
      const out = execFileSync('docker', ['run', '--rm', r.image, '-test.v'], { encoding: 'utf8' })
      execFileSync('docker', ['rmi', r.image])
      expect(out).toMatch(/--- PASS: TestAdd/)
      expect(out).toMatch(/wd=\/tmp/)
      expect(out).toMatch(/coverage: 100\.0% of statements in \.\/\.\.\./)
    }, 120_000)
  })

  withContainerd('with containerd (CONTAINERD_ADDRESS)', () => {
    it('ctr images import takes the archive and ctr run runs the tests', async () => {
      const r = await once()
      const ctr = (...args: string[]) =>
        execFileSync(
          'ctr',
          ['--address', containerd ?? '', '-n', 'in-cluster-test-unit', ...args],
          {
            encoding: 'utf8'
          }
        )
      ctr('images', 'import', r.archive)
      const out = ctr('run', '--rm', 'docker.io/' + r.image, 'unit-' + r.image.slice(-12))
      ctr('images', 'rm', 'docker.io/' + r.image)
      expect(out).toMatch(/--- PASS: TestAdd/)
      expect(out).toMatch(/wd=\/tmp/)
      expect(out).toMatch(/coverage: 100\.0% of statements in \.\/\.\.\./)
    }, 120_000)
  })
})
