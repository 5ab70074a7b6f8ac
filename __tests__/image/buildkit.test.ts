import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { buildImage, buildKitSupport, probeBuildKit } from '../../src/image/build.js'
import { withoutCacheMounts } from '../../src/image/dockerfile.js'
import { FakeExec } from '../../__fixtures__/fake-exec.js'
import { FakeLogger } from '../../__fixtures__/fake-logger.js'

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ict-bk-'))
const ID = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
const example = fs.readFileSync(
  path.join(import.meta.dirname, '../../example/Dockerfile.test'),
  'utf8'
)

describe('BuildKit support', () => {
  it('uses buildx when it is there, the engine BuildKit through a CLI before 23', () => {
    expect(buildKitSupport({ buildx: true }).buildkit).toBe(true)
    expect(
      buildKitSupport({ buildx: false, client: '20.10.24+dfsg1', server: '20.10.24+dfsg1' })
    ).toEqual({
      buildkit: true,
      why: "Docker CLI 20.10.24+dfsg1 uses engine 20.10.24+dfsg1's BuildKit"
    })
    expect(buildKitSupport({ buildx: false, client: '28.2.2', server: '20.10.24+dfsg1' })).toEqual({
      buildkit: false,
      why: 'Docker CLI 28.2.2 needs the buildx plugin for BuildKit and it is not installed'
    })
    expect(buildKitSupport({ buildx: false, client: '18.06.1', server: '18.06.1' }).buildkit).toBe(
      false
    )
    expect(buildKitSupport({ buildx: false }).buildkit).toBe(false)
  })

  it('probes docker buildx and docker version without echoing them', async () => {
    const exec = new FakeExec()
      .on((c) => c.args[0] === 'buildx', { exitCode: 1, stderr: 'unknown command: docker buildx' })
      .on((c) => c.args[0] === 'version', { stdout: '28.2.2 20.10.24+dfsg1\n' })
    expect((await probeBuildKit(exec)).buildkit).toBe(false)
    expect(exec.calls.every((c) => c.options?.silent)).toBe(true)
  })
})

describe('a Dockerfile without BuildKit', () => {
  it("drops the example's cache mounts and nothing else", () => {
    const { text, droppedCacheMounts } = withoutCacheMounts(example)
    expect(droppedCacheMounts).toBe(3)
    expect(text).not.toMatch(/--mount/)
    expect(text).toMatch(/^RUN go mod download$/m)
    expect(text).toMatch(
      /^RUN go test -c -cover -covermode=atomic -coverpkg=\.\/\.\.\. -o \/out\/integration\.test \.\/tests\/integration$/m
    )
    const untouched = (t: string) => t.split('\n').filter((l) => !/^\s*RUN|^\s+go test/.test(l))
    expect(untouched(text)).toEqual(untouched(example))
  })

  it('keeps continuation lines of the command and flags on their own lines', () => {
    const df = [
      'FROM x',
      'RUN \\',
      '  --mount=type=cache,target=/a \\',
      '  --mount=target=/b,type=cache \\',
      '  make \\',
      '    all',
      'run echo --mount=type=cache,target=/c',
      'RUN echo hi'
    ].join('\n')
    expect(withoutCacheMounts(df)).toEqual({
      text: [
        'FROM x',
        'RUN make \\',
        '    all',
        'run echo --mount=type=cache,target=/c',
        'RUN echo hi'
      ].join('\n'),
      droppedCacheMounts: 2
    })
  })

  it('follows an escape directive', () => {
    const df = '# escape=`\nFROM x\nRUN --mount=type=cache,target=/a `\n  dir C:\\\\'
    expect(withoutCacheMounts(df).text).toBe('# escape=`\nFROM x\nRUN dir C:\\\\')
  })

  it('refuses what changes the build, with the fix', () => {
    expect(() => withoutCacheMounts('RUN --mount=type=secret,id=t cat /run/secrets/t')).toThrow(
      /'RUN --mount=type=secret,id=t' needs BuildKit.*buildx plugin.*go-package/
    )
    expect(() => withoutCacheMounts('RUN --network=none make')).toThrow(/needs BuildKit/)
    expect(() => withoutCacheMounts('RUN --mount=type=cache,target=/a <<EOF\nmake\nEOF')).toThrow(
      /here-document needs BuildKit/
    )
  })
})

describe('buildImage and BuildKit', () => {
  const built = (c: { args: string[] }) => {
    fs.writeFileSync(c.args[c.args.indexOf('--iidfile') + 1], ID)
    return {}
  }

  it('builds with DOCKER_BUILDKIT=1 and the Dockerfile as it is when BuildKit is there', async () => {
    const dir = tmp()
    fs.writeFileSync(path.join(dir, 'Dockerfile.test'), example)
    const exec = new FakeExec().on((c) => c.args[0] === 'build', built)
    const log = new FakeLogger()
    await buildImage(
      {
        dockerfile: path.join(dir, 'Dockerfile.test'),
        context: dir,
        buildArgs: {},
        repository: 'r',
        workDir: dir
      },
      exec,
      log
    )
    const build = exec.calls.find((c) => c.args[0] === 'build')
    expect(build?.options?.env).toEqual({ DOCKER_BUILDKIT: '1' })
    expect(build?.args).toContain(path.join(dir, 'Dockerfile.test'))
    expect(log.text('info')).toMatch(/Building with BuildKit: the buildx plugin is installed/)
  })

  it('gives the legacy builder the Dockerfile without cache mounts on stdin, writing nothing', async () => {
    const dir = tmp()
    const workDir = tmp()
    fs.writeFileSync(path.join(dir, 'Dockerfile.test'), example)
    const before = fs.readdirSync(dir).sort()
    let during: string[] = []
    const exec = new FakeExec().on(
      (c) => c.args[0] === 'build',
      (c) => {
        during = fs.readdirSync(dir).sort()
        return built(c)
      }
    )
    const log = new FakeLogger()
    await buildImage(
      {
        dockerfile: path.join(dir, 'Dockerfile.test'),
        context: dir,
        buildArgs: {},
        repository: 'r',
        workDir,
        buildkit: false
      },
      exec,
      log
    )
    const build = exec.calls.find((c) => c.args[0] === 'build')
    expect(build?.options?.env).toEqual({ DOCKER_BUILDKIT: '0' })
    // `--file -`: docker reads it from stdin, so no copy is ever in the context folder (side-by-side
    // runs of one checkout, a killed run) and the context is the last argument as before.
    expect(
      build?.args.slice(build.args.indexOf('--file'), build.args.indexOf('--file') + 2)
    ).toEqual(['--file', '-'])
    expect(build?.args.at(-1)).toBe(dir)
    expect(String(build?.options?.input)).toBe(withoutCacheMounts(example).text)
    expect(String(build?.options?.input)).not.toMatch(/--mount/)
    expect(during).toEqual(before)
    expect(fs.readdirSync(dir).sort()).toEqual(before)
    expect(log.text('warning')).toMatch(/without its 3 cache mount\(s\)/)
  })

  it("says when the context's .dockerignore would make every legacy build miss the layer cache", async () => {
    const warned = async (dockerignore: string | undefined) => {
      const dir = tmp()
      fs.writeFileSync(path.join(dir, 'Dockerfile.test'), example)
      if (dockerignore !== undefined)
        fs.writeFileSync(path.join(dir, '.dockerignore'), dockerignore)
      const log = new FakeLogger()
      const exec = new FakeExec().on((c) => c.args[0] === 'build', built)
      const o = { dockerfile: path.join(dir, 'Dockerfile.test'), context: dir, buildArgs: {} }
      await buildImage({ ...o, repository: 'r', workDir: tmp(), buildkit: false }, exec, log)
      return log.text('warning')
    }
    expect(await warned('deploy/\n*.md\n')).toMatch(
      /\.dockerignore does not exclude itself: docker adds a line to it for a Dockerfile read from stdin, so COPY sees a changed file and no build reuses the layer cache\. Add \.dockerignore to it$/
    )
    expect(await warned('deploy/\n.dockerignore\n')).not.toMatch(/exclude itself/)
    expect(await warned(undefined)).not.toMatch(/exclude itself/)
  })

  it('gives builds side by side in one work folder an image-ID file each, and leaves none', async () => {
    const dir = tmp()
    const workDir = tmp()
    fs.writeFileSync(path.join(dir, 'Dockerfile.test'), example)
    const iidFiles: string[] = []
    const exec = new FakeExec().on(
      (c) => c.args[0] === 'build',
      (c) => {
        iidFiles.push(c.args[c.args.indexOf('--iidfile') + 1])
        return built(c)
      }
    )
    const o = {
      dockerfile: path.join(dir, 'Dockerfile.test'),
      context: dir,
      buildArgs: {},
      repository: 'r',
      workDir,
      buildkit: false
    }
    const images = await Promise.all([
      buildImage(o, exec, new FakeLogger()),
      buildImage(o, exec, new FakeLogger())
    ])
    expect(images).toEqual([`r:${ID.slice(7, 19)}`, `r:${ID.slice(7, 19)}`])
    expect(new Set(iidFiles).size).toBe(2)
    expect(fs.readdirSync(workDir)).toEqual([])
  })

  it('gives a Dockerfile without cache mounts to the legacy builder as it is', async () => {
    const dir = tmp()
    fs.writeFileSync(path.join(dir, 'D'), 'FROM scratch\nCOPY x /x\n')
    const exec = new FakeExec().on((c) => c.args[0] === 'build', built)
    await buildImage(
      {
        dockerfile: path.join(dir, 'D'),
        context: dir,
        buildArgs: {},
        repository: 'r',
        workDir: dir,
        buildkit: false
      },
      exec,
      new FakeLogger()
    )
    expect(exec.calls[0].args).toContain(path.join(dir, 'D'))
    expect(exec.calls[0].options?.input).toBeUndefined()
  })

  it('passes build secrets to BuildKit by environment, never in argv, and refuses them without BuildKit', async () => {
    const dir = tmp()
    fs.writeFileSync(path.join(dir, 'D'), 'FROM scratch\n')
    const o = {
      dockerfile: path.join(dir, 'D'),
      context: dir,
      buildArgs: {},
      repository: 'r',
      workDir: dir,
      secrets: { netrc: 'machine x login y password s3cr3t-007' }
    }
    const exec = new FakeExec().on((c) => c.args[0] === 'build', built)
    await buildImage({ ...o, buildkit: true }, exec, new FakeLogger())
    const build = exec.calls.find((c) => c.args[0] === 'build')
    expect(build?.args).toContain('id=netrc,env=IN_CLUSTER_TEST_BUILD_SECRET_NETRC')
    expect(JSON.stringify(build?.args)).not.toContain('s3cr3t-007')
    expect(build?.options?.env).toEqual({
      DOCKER_BUILDKIT: '1',
      IN_CLUSTER_TEST_BUILD_SECRET_NETRC: 'machine x login y password s3cr3t-007'
    })
    await expect(
      buildImage({ ...o, buildkit: false }, new FakeExec(), new FakeLogger())
    ).rejects.toThrow(/build-secrets needs BuildKit.*buildx/)
  })
})
