// The e2e scripts' checks: one line each, `ok   name` or `FAIL name: detail`, counted for the
// summary line the CI reads.
export function checks() {
  const failures = []
  let passed = 0
  return {
    check(name, ok, detail = '') {
      if (ok) passed++
      else failures.push(name)
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : `: ${detail}`}`)
    },
    get passed() {
      return passed
    },
    failures
  }
}
