/**
 * What a Go test binary prints when it dies: a timeout's `running tests:` list and the
 * goroutine dump of a panic, a timeout or SIGQUIT. Read line by line by the log parser; tells
 * which tests were running and where a test, or a panic, was.
 */

export interface Frame {
  func: string
  file: string
  line: number
}

export interface Goroutine {
  state: string
  frames: Frame[]
}

const MAX_FRAMES = 20_000
const FRAME = /^\t(\S+?\.go):(\d+)(?: |$)/
const GOROUTINE = /^goroutine \d+ .*\[(.*?)(?:, \d+ minutes)?\]:$/
const RUNNING_TEST = /^\s+(\S+) \([^)]*\)$/
const DUMP_END = /^\s*--- (PASS|FAIL|SKIP): |^coverage: [\d.]+% of statements/
/** Packages of Go's own library: their frames are never the user's code. */
const STD = new Set(
  `archive bufio builtin bytes cmp compress container context crypto database debug embed
  encoding errors expvar flag fmt go hash html image index internal io iter log maps math mime net
  os path plugin reflect regexp runtime slices sort strconv strings sync syscall testing text time
  unicode unique unsafe weak`.split(/\s+/)
)

export class GoroutineDump {
  readonly goroutines: Goroutine[] = []
  /** The tests a timeout's panic listed as running. */
  readonly runningAtTimeout = new Set<string>()
  private mode: 'none' | 'running-list' | 'goroutines' = 'none'
  private frames = 0
  private lastFunc = ''

  get active(): boolean {
    return this.mode !== 'none'
  }

  /** After `panic: test timed out`: the running-tests list, then the goroutines. */
  startTimeout(): void {
    this.mode = 'running-list'
  }

  /** After a panic or `SIGQUIT: quit`. */
  startGoroutines(): void {
    this.mode = 'goroutines'
  }

  /** One line while the dump is active. False: not dump text (the dump ended before it). */
  line(line: string, sawMarker: boolean): boolean {
    if (this.mode === 'running-list') {
      if (line.trim() === 'running tests:' || line === '') return true
      const m = RUNNING_TEST.exec(line)
      if (m && line.startsWith('\t')) {
        this.runningAtTimeout.add(m[1])
        return true
      }
      this.mode = 'goroutines'
    }
    const g = GOROUTINE.exec(line)
    if (g) {
      this.goroutines.push({ state: g[1], frames: [] })
      return true
    }
    const f = FRAME.exec(line)
    if (f) {
      const cur = this.goroutines.at(-1)
      if (cur && this.frames < MAX_FRAMES) {
        cur.frames.push({ func: this.lastFunc, file: f[1], line: Number(f[2]) })
        this.frames++
      }
      return true
    }
    if (
      sawMarker ||
      line === 'PASS' ||
      line === 'FAIL' ||
      line.startsWith('=== RUN') ||
      DUMP_END.test(line)
    ) {
      this.mode = 'none'
      return false
    }
    if (/^\S.*\(.*\)$/.test(line) || line.startsWith('created by ')) this.lastFunc = line
    return true
  }

  /** The frame of `test`'s own function: its goroutine's, not a parent's waiting in t.Run. */
  testFrame(test: string, preferLeaf: boolean): { file?: string; line?: number } {
    const top = test.split('/')[0]
    const depth = test.split('/').length - 1
    let best: { file: string; line: number; score: number } | undefined
    for (const g of this.goroutines) {
      for (let i = 0; i < g.frames.length; i++) {
        const fr = g.frames[i]
        const levels = ownLevels(fr.func, top)
        if (levels === undefined) continue
        const above = i > 0 ? g.frames[i - 1].func : ''
        const waiting =
          above.startsWith('testing.(*T).Run(') || above.startsWith('testing.(*T).Parallel(')
        const score =
          (preferLeaf ? (waiting ? 0 : 4) : waiting ? 4 : 0) +
          (levels === depth ? 2 : 0) +
          (g === this.goroutines[0] ? 1 : 0)
        if (!best || score > best.score) best = { file: fr.file, line: fr.line, score }
        break
      }
    }
    if (best) return { file: best.file, line: best.line }
    const first = this.goroutines[0]?.frames.find((fr) => userFrame(fr))
    return first ? { file: first.file, line: first.line } : {}
  }

  /**
   * Where a panic is: in the test's goroutine, at the test's frame; in a goroutine of its own (no
   * testing.tRunner below it), at that goroutine's first frame in the user's code (`isUser`
   * tells a workspace file, when the checkout is at hand).
   */
  panicFrame(test: string, isUser?: (file: string) => boolean): { file?: string; line?: number } {
    const g = this.goroutines[0]
    if (!g || g.frames.some((fr) => fr.func.startsWith('testing.tRunner('))) {
      return this.testFrame(test, true)
    }
    const user = g.frames.filter(userFrame)
    const first = (isUser && user.find((fr) => isUser(fr.file))) ?? user[0]
    return first ? { file: first.file, line: first.line } : this.testFrame(test, true)
  }
}

/** How many closures deep a frame's function is in test `top` (`TestA.func1.2` → 2), if it is. */
function ownLevels(func: string, top: string): number | undefined {
  for (let at = func.indexOf(`.${top}`); at !== -1; at = func.indexOf(`.${top}`, at + 1)) {
    let rest = func.slice(at + top.length + 1)
    let levels = 0
    for (let m = /^\.\w+/.exec(rest); m; m = /^\.\w+/.exec(rest)) {
      levels++
      rest = rest.slice(m[0].length)
    }
    if (rest.startsWith('(')) return levels
  }
  return undefined
}

/** Not Go's own library, a module from the module cache, or the generated test main. */
function userFrame(fr: Frame): boolean {
  const func = fr.func.replace(/^created by /, '')
  const pkgPath = func.slice(0, func.indexOf('.', func.lastIndexOf('/') + 1))
  const root = pkgPath.split('/')[0]
  if (STD.has(root) || func.startsWith('main.')) return false
  if (/(^|\/)_testmain\.go$/.test(fr.file)) return false
  return !/@v\d|\/pkg\/mod\//.test(fr.file)
}
