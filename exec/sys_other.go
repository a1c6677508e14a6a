//go:build !linux

package exec

import "syscall"

// DisableCoreDumps does nothing outside Linux; see the Linux version.
func DisableCoreDumps() error { return nil }

func dumpable() (int, error) { return 0, syscall.ENOSYS }

// access checks that the user may execute path.
func access(path string) error { return syscall.Access(path, 1 /* X_OK */) }

// maxSignal is the highest signal number.
const maxSignal = 31

func libcSignal(sig syscall.Signal) bool { return false }
