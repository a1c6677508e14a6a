//go:build linux && !(mips || mipsle || mips64 || mips64le)

package exec

import (
	"syscall"
	"unsafe"
)

// The kernel's struct sigaction for rt_sigaction(2), with the layout every
// Linux port but MIPS uses.
type sigaction struct {
	handler  uintptr
	flags    uintptr
	restorer uintptr
	mask     uint64
}

const (
	sigDFL     = 0 // SIG_DFL
	sigBlock   = 0 // SIG_BLOCK
	sigSetmask = 2 // SIG_SETMASK
	nsig       = 64
	sigsetSize = 8
)

// cleanSignals sets every signal of the process to its default disposition
// and unblocks every signal of the calling thread, which must be locked
// (runtime.LockOSThread), so that a program exec'd from this thread starts
// as from a fresh init. Go's handlers would be reset by execve anyway; what
// this adds is the signals ignored (SIG_IGN), which execve keeps, and the
// blocked mask, which it keeps too. Until execve, a signal takes its
// default action: a SIGTERM still stops a secretenv that is about to
// become the command. restore puts back what was there, after a failed
// execve.
func cleanSignals() (restore func()) {
	var old [nsig + 1]sigaction
	var saved [nsig + 1]bool
	dfl := sigaction{handler: sigDFL}
	for sig := 1; sig <= nsig; sig++ {
		if sig == int(syscall.SIGKILL) || sig == int(syscall.SIGSTOP) {
			continue
		}
		_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
			uintptr(unsafe.Pointer(&dfl)), uintptr(unsafe.Pointer(&old[sig])), sigsetSize, 0, 0)
		saved[sig] = e == 0
	}
	var none, mask uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask,
		uintptr(unsafe.Pointer(&none)), uintptr(unsafe.Pointer(&mask)), sigsetSize, 0, 0)
	return func() {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask,
			uintptr(unsafe.Pointer(&mask)), 0, sigsetSize, 0, 0)
		for sig := 1; sig <= nsig; sig++ {
			if saved[sig] {
				syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
					uintptr(unsafe.Pointer(&old[sig])), 0, sigsetSize, 0, 0)
			}
		}
	}
}

// canBlockSignals says whether blockSignal works here.
const canBlockSignals = true

// blockSignal blocks sig on the calling thread, which must be locked, and
// returns a func that puts the thread's mask back.
func blockSignal(sig syscall.Signal) (restore func()) {
	set := uint64(1) << (uint(sig) - 1)
	var mask uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigBlock,
		uintptr(unsafe.Pointer(&set)), uintptr(unsafe.Pointer(&mask)), sigsetSize, 0, 0)
	return func() {
		syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, sigSetmask,
			uintptr(unsafe.Pointer(&mask)), 0, sigsetSize, 0, 0)
	}
}
