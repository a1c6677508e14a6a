package exec

import (
	"syscall"
)

const (
	prGetDumpable = 3 // PR_GET_DUMPABLE
	prSetDumpable = 4 // PR_SET_DUMPABLE
	atEaccess     = 0x200
	atFdcwd       = -0x64
)

// DisableCoreDumps keeps secretenv's memory, which holds plaintext once
// references are resolved, out of core dumps, and out of reach of ptrace
// and /proc/PID/mem for anyone but root: it clears the process's dumpable
// flag (prctl PR_SET_DUMPABLE 0). main calls it before fetching secrets.
//
// The command is not affected: execve sets the flag again for a program the
// user may read. RLIMIT_CORE is not used, because the command would
// inherit it. Outside Linux DisableCoreDumps does nothing.
func DisableCoreDumps() error {
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 0, 0); e != 0 {
		return e
	}
	return nil
}

// dumpable reports the process's dumpable flag (PR_GET_DUMPABLE).
func dumpable() (int, error) {
	r, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prGetDumpable, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// access checks that the effective user may execute path, as execve will.
func access(path string) error {
	return syscall.Faccessat(atFdcwd, path, 1 /* X_OK */, atEaccess)
}

// maxSignal is the highest signal number.
const maxSignal = 64

// libcSignal reports whether sig is one the C libraries keep for
// themselves (32 and 33 for glibc, 34 for musl), which Go lets nobody
// catch.
func libcSignal(sig syscall.Signal) bool { return sig >= 32 && sig <= 34 }
