/**
 * The test image stage. It starts at once and runs alongside the cluster and the deploy, which
 * do not need it until the Job: the build begins here, the load once the cluster is there. Its
 * output goes to a file (test-image.log) rather than the live log, where it would interleave
 * with the other stages', and is shown in one group at the end.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ImageInputs } from '../inputs/types.js'
import type { Exec, Logger } from '../ports.js'
import { buildImage } from '../image/build.js'
import { inspectTestCommand } from '../image/config.js'
import { goPackageImage } from '../image/go-package.js'
import { loadImage, loadImageArchive, type LoadContext } from '../image/load.js'
import { pushImage } from '../image/push.js'
import { recordRegistryLogin, type StateStore } from '../state.js'
import type { StageTimer } from '../timing.js'

export interface ImageDeps {
  exec: Exec
  log: Logger
  timer: StageTimer
  /** Where a registry login is recorded until the logout (the post step logs out otherwise). */
  state?: StateStore
}

/** The image the Job is to use, and the command its test container needs (see image/config.ts). */
export interface TestImage {
  image: string
  /** Set when the image has no ENTRYPOINT: CMD's first word, for the container's `command`. */
  command?: string[]
}

export class TestImageStage {
  private readonly logFile: string
  private readonly quiet: Exec
  private readonly quietLog: Logger
  /** The image reference, once built (or as given, when prebuilt). */
  readonly built: Promise<string>
  /** go-package: the packed image's file, which the load takes instead of a Docker image. */
  private archive?: string

  constructor(
    private readonly inputs: ImageInputs,
    dirs: { outputDir: string; workDir: string },
    private readonly d: ImageDeps
  ) {
    this.logFile = path.join(dirs.outputDir, 'test-image.log')
    this.quiet = quietExec(d.exec, this.logFile)
    this.quietLog = bufferedLogger(d.log, this.logFile)
    this.built = d.timer.time('image build', () => this.build(dirs.workDir))
    // Awaited by load() or settled(); never an unhandled rejection in between.
    this.built.catch(() => undefined)
  }

  /**
   * Loads the built image into the cluster's nodes, or pushes it (image-load push); the reference
   * the Job is to use (for a pushed image, by digest) and the command its container needs.
   */
  async load(ctx: LoadContext): Promise<TestImage> {
    const image = await this.built
    // A packed image has the binary as its ENTRYPOINT; a built or given one may have only a CMD
    // (read from the local image, also when it is pushed). A given image is often not local (the
    // kubelet pulls it): the inspect then says nothing. Read while the image loads: it only needs
    // the local image, and it never throws.
    const command = this.inputs.goPackage
      ? Promise.resolve(undefined)
      : inspectTestCommand(image, this.quiet, this.quietLog)
    try {
      return { image: await this.deliver(image, ctx), command: await command }
    } finally {
      // A failed load does not leave the inspect running on unobserved.
      await command
    }
  }

  /** Loads or pushes the built image; the reference the Job is to use. */
  private async deliver(image: string, ctx: LoadContext): Promise<string> {
    const { registry, load } = this.inputs
    let ref = image
    if (this.inputs.prebuilt) {
      fs.appendFileSync(this.logFile, `Using ${image} as given (not built here, not loaded)\n`)
    } else if (load.mode === 'push' && registry) {
      const { state } = this.d
      try {
        ref = await this.d.timer.time('image push', () =>
          pushImage(
            image,
            {
              registry,
              archive: this.archive,
              onLogin: state ? (host, on) => recordRegistryLogin(state, host, on) : undefined
            },
            this.quiet,
            this.quietLog
          )
        )
      } finally {
        this.removeArchive()
      }
    } else {
      const archive = this.archive
      try {
        await this.d.timer.time('image load', () =>
          archive
            ? loadImageArchive(archive, image, this.inputs.load, ctx, this.quiet, this.quietLog)
            : loadImage(image, this.inputs.load, ctx, this.quiet, this.quietLog)
        )
      } finally {
        this.removeArchive()
      }
    }
    return ref
  }

  /**
   * Waits for the build to end either way: nothing runs on unobserved when the run fails. The
   * packed archive, never to be loaded then, is removed.
   */
  async settled(): Promise<void> {
    await this.built.catch(() => undefined)
    this.removeArchive()
  }

  /** go-package's archive is only for loading: once loaded (or not), it is disk taken for nothing. */
  private removeArchive(): void {
    if (this.archive) fs.rmSync(this.archive, { force: true })
  }

  /** Shows the stage's output, in one group. */
  async show(): Promise<void> {
    await showFile(
      this.d.log,
      'Test image: build and load (ran alongside cluster and deploy)',
      this.logFile
    )
  }

  private async build(workDir: string): Promise<string> {
    if (this.inputs.prebuilt) return this.inputs.prebuilt
    const go = this.inputs.goPackage
    if (go) {
      const packed = await goPackageImage(
        {
          pkg: go.pkg,
          workspace: this.inputs.context,
          coverFlags: go.coverFlags,
          buildFlags: go.buildFlags,
          repository: this.inputs.repository,
          workDir
        },
        this.quiet,
        this.quietLog
      )
      this.archive = packed.archive
      return packed.image
    }
    return buildImage(
      {
        dockerfile: this.inputs.dockerfile,
        context: this.inputs.context,
        buildArgs: this.inputs.buildArgs,
        secrets: this.inputs.buildSecrets,
        repository: this.inputs.repository,
        workDir
      },
      this.quiet,
      this.quietLog
    )
  }
}

/**
 * An Exec whose output goes to a file instead of the live log: stages running alongside others
 * would interleave. The file is shown in one group when they are all done.
 */
function quietExec(exec: Exec, file: string): Exec {
  fs.writeFileSync(file, '')
  return {
    run: async (c, a, o) => {
      const r = await exec.run(c, a, { ...o, silent: true })
      fs.appendFileSync(file, `$ ${c} ${a.join(' ')}\n${r.stdout}${r.stderr}`)
      return r
    }
  }
}

/**
 * A Logger writing info lines to a file (debug lines, warnings and errors still go to the live
 * log). Each method is bound by hand: a Logger may be a class, whose methods a spread would lose.
 */
function bufferedLogger(log: Logger, file: string): Logger {
  return {
    info: (line) => fs.appendFileSync(file, `${line}\n`),
    debug: (m) => log.debug(m),
    warning: (m, p) => log.warning(m, p),
    error: (m, p) => log.error(m, p),
    group: (name, fn) => log.group(name, fn),
    setSecret: (v) => log.setSecret(v)
  }
}

async function showFile(log: Logger, title: string, file: string): Promise<void> {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd() : ''
  if (!text) return
  await log.group(title, async () => {
    for (const line of text.split('\n').slice(-200)) log.info(line)
  })
}
