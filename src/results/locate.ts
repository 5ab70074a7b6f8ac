/**
 * Maps the file names a test prints to paths in the repository, so annotations land on the diff:
 * `x_test.go` (t.Errorf's base name), testify's absolute in-image path (`/src/tests/x_test.go`) or,
 * from a binary built with -trimpath, a module path (`example.com/svc/tests/x_test.go`): the
 * repository file whose trailing folders match the most.
 */

export function locateFile(
  printed: string,
  repoFiles: readonly string[],
  pkg?: string
): string | undefined {
  const clean = printed.replace(/\\/g, '/')
  if (clean.includes('/')) {
    // The longest repository path that the printed path ends with.
    let best: string | undefined
    for (const f of repoFiles) {
      if ((clean === f || clean.endsWith('/' + f)) && (!best || f.length > best.length)) best = f
    }
    if (best) return best
  }
  const base = clean.split('/').pop() ?? clean
  const candidates = repoFiles.filter((f) => f === base || f.endsWith('/' + base))
  if (candidates.length <= 1) return candidates[0]
  if (clean.includes('/')) {
    // An in-image path (/src/tests/x_test.go, built from a sub-folder as context): the file whose
    // trailing folders match most of it.
    const printedParts = clean.split('/').reverse()
    const common = (f: string) => {
      const parts = f.split('/').reverse()
      let n = 0
      while (n < parts.length && parts[n] === printedParts[n]) n++
      return n
    }
    const best = Math.max(...candidates.map(common))
    const hit = candidates.filter((c) => common(c) === best)
    if (hit.length === 1) return hit[0]
  }
  if (pkg) {
    // Prefer the folder whose path ends like the Go package's import path.
    const parts = pkg.split('/')
    for (let n = parts.length; n > 0; n--) {
      const tail = parts.slice(-n).join('/')
      const hit = candidates.filter((c) => c.slice(0, -base.length - 1).endsWith(tail))
      if (hit.length === 1) return hit[0]
    }
  }
  return [...candidates].sort((a, b) => a.length - b.length || a.localeCompare(b))[0]
}
