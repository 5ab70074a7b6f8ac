package t2j

import "runtime"

// callerOf is the file and line of the caller's caller, as testify's Error Trace shows it.
func callerOf() (string, string, int) {
	_, file, line, _ := runtime.Caller(2)
	return "", file, line
}
