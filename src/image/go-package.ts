/**
 * The `go-package` way to the test image: compile the tests on the runner with `go test -c`, so
 * the runner's Go toolchain and its warm build cache (actions/setup-go restores it) do the work,
 * then pack the static binary into an image archive in-process (pack.ts). No Docker daemon, no
 * base image pull, and an edit to one test file recompiles one package instead of everything.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Clock, Exec, Logger } from '../ports.js'
import { lastLines } from '../text.js'
import { ELF_HEADER_BYTES, staticBinaryProblem } from './elf.js'
import { packImage, type PackedImage } from './pack.js'

/** Coverage of every package of the module, counted safely under t.Parallel. */
export const DEFAULT_COVER_FLAGS = ['-covermode=atomic', '-coverpkg=./...']

export interface GoPackageOptions {
  /** The package holding the tests, as `go test` takes it (e.g. `./tests/integration`). */
  pkg: string
  /** Where `go` runs: the module (or a folder in it) that `pkg` and `./...` are relative to. */
  workspace: string
  /** Flags after `-cover`; default DEFAULT_COVER_FLAGS. */
  coverFlags?: string[]
  /** Other `go test -c` flags, e.g. `-tags=integration`. */
  buildFlags?: string[]
  /** Image repository; the tag comes from the content. */
  repository: string
  /** Folder for the binary and the archive. */
  workDir: string
  /** GOARCH of the cluster's nodes; default the runner's (goArch(process.arch)). */
  arch?: string
  /** The go command; default `go` from PATH. */
  go?: string
  /** The binary's path in the image; default `/integration.test`. */
  entrypoint?: string
}

export interface GoPackageResult extends PackedImage {
  /** The compiled test binary, kept for a later pack or for debugging. */
  binary: string
  compileMs: number
  packMs: number
}

/** Node's process.arch → GOARCH. */
export function goArch(nodeArch: string): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64'
  }
  const arch = map[nodeArch]
  if (!arch) throw new Error(`no Go architecture is known for this runner's '${nodeArch}'`)
  return arch
}

function checkFlags(name: string, flags: string[]): void {
  for (const f of flags) {
    if (!f.startsWith('-'))
      throw new Error(
        `${name}: '${f}' is not a flag; give the package in go-package and only flags (-name=value) here`
      )
    if (/^--?(o|c)(=|$)/.test(f))
      throw new Error(
        `${name}: '${f}' is set by the action (it writes the binary itself); remove it`
      )
  }
}

/** `go test -c -cover …` writing the binary to `output`; the user's flags before ours. */
export function goTestCompileArgs(
  o: Pick<GoPackageOptions, 'pkg' | 'coverFlags' | 'buildFlags'>,
  output: string
): string[] {
  const cover = o.coverFlags ?? DEFAULT_COVER_FLAGS
  const build = o.buildFlags ?? []
  checkFlags('cover flags', cover)
  checkFlags('build flags', build)
  if (o.pkg.trim() === '' || o.pkg.startsWith('-') || /\s/.test(o.pkg))
    throw new Error(
      `go-package '${o.pkg}' must be one package path such as ./tests/integration (go test -c builds one package)`
    )
  return ['test', '-c', '-cover', ...cover, ...build, '-o', output, o.pkg]
}

/**
 * The environment of the compile: static (CGO_ENABLED=0: the image has no C library), for Linux
 * on the nodes' architecture even when the runner is not (a macOS runner, an arm64 node).
 */
export function goTestCompileEnv(arch: string): Record<string, string> {
  return { CGO_ENABLED: '0', GOOS: 'linux', GOARCH: arch }
}

function readHeader(file: string): Buffer {
  const fd = fs.openSync(file, 'r')
  try {
    const buf = Buffer.alloc(ELF_HEADER_BYTES)
    const n = fs.readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n)
  } finally {
    fs.closeSync(fd)
  }
}

/** Compiles the package's tests, checks the binary is static and packs it into an archive. */
export async function goPackageImage(
  o: GoPackageOptions,
  exec: Exec,
  log: Logger,
  clock: Pick<Clock, 'now'> = { now: () => Date.now() }
): Promise<GoPackageResult> {
  const arch = o.arch ?? goArch(process.arch)
  const dir = path.join(o.workDir, 'go-package')
  fs.mkdirSync(dir, { recursive: true })
  const binary = path.join(dir, path.basename(o.entrypoint ?? 'integration.test'))
  // A stale binary must not pass for this build's (go test -c writes none for a package without tests).
  fs.rmSync(binary, { force: true })
  const args = goTestCompileArgs(o, binary)
  const go = o.go ?? 'go'

  const started = clock.now()
  let result
  try {
    result = await exec.run(go, args, { cwd: o.workspace, env: goTestCompileEnv(arch) })
  } catch (e) {
    throw new Error(
      `go-package needs Go on the runner (${(e as Error).message}): add actions/setup-go before this step, with cache enabled so the build cache is kept between runs`,
      { cause: e }
    )
  }
  if (result.exitCode !== 0) {
    throw new Error(
      `go test -c of ${o.pkg} failed (exit ${result.exitCode}) in ${o.workspace}: ${lastLines(result.stderr || result.stdout)}`
    )
  }
  if (!fs.existsSync(binary)) {
    throw new Error(
      `go test -c wrote no binary for ${o.pkg}: the package has no test files. Set go-package to the package that holds the integration tests`
    )
  }
  const compileMs = clock.now() - started

  const problem = staticBinaryProblem(readHeader(binary), arch)
  if (problem) throw new Error(`The test binary of ${o.pkg} cannot be packed: ${problem}`)

  const packStarted = clock.now()
  const packed = await packImage({
    binary,
    repository: o.repository,
    outDir: dir,
    entrypoint: o.entrypoint,
    arch
  })
  const packMs = clock.now() - packStarted
  const mib = (packed.layer.size / (1 << 20)).toFixed(1)
  log.info(
    `Compiled ${o.pkg} in ${(compileMs / 1000).toFixed(1)} s and packed ${packed.image} (${mib} MiB) in ${(packMs / 1000).toFixed(1)} s`
  )
  return { ...packed, binary, compileMs, packMs }
}
