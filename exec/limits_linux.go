package exec

import (
	"os"
	"syscall"
)

// The kernel's limits on execve, from include/uapi/linux/binfmts.h,
// include/uapi/linux/limits.h, include/uapi/linux/resource.h and
// bprm_stack_limits in fs/exec.c.
const (
	argMax    = 131072          // ARG_MAX: the least total, whatever the stack rlimit
	stkLim    = 8 * 1024 * 1024 // _STK_LIM
	kernelPtr = 8               // sizeof(void *) of a 64-bit kernel, 32-bit programs included
)

// currentLimits returns the limits an execve made now would meet. The
// total is a quarter of the stack rlimit, at most 3/4 of _STK_LIM (6 MiB)
// and at least ARG_MAX (128 KiB); the stack rlimit is the one the command
// inherits, as neither Go nor secretenv changes it.
func currentLimits() limits {
	var rl syscall.Rlimit
	stack := uint64(stkLim)
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &rl); err == nil {
		stack = rl.Cur
	}
	return linuxLimits(os.Getpagesize(), stack)
}

// linuxLimits applies the kernel's rule to a page size and a soft
// RLIMIT_STACK (RLIM_INFINITY is the largest uint64).
func linuxLimits(pageSize int, stack uint64) limits {
	total := min(uint64(stkLim/4*3), stack/4)
	total = max(total, argMax)
	return limits{strlen: 32 * pageSize, total: int(total), ptr: kernelPtr}
}
