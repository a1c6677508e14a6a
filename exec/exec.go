// Package exec runs secretenv's command once its environment is ready. It
// knows processes, not AWS.
//
// Environ builds the command's environment, a pure function. Then one of
// two modes runs the command:
//
//   - Exec replaces secretenv with the command (execve), so nothing of
//     secretenv stays and signals go straight to the command.
//   - Supervise starts the command as a child and stays as a minimal init,
//     as tini does; see supervise.go for its semantics.
//
// In both the command is found by LookPath in the PATH of its own
// environment, a command that cannot be started is an *Error with status
// 126 or 127, and the command starts with every signal at its default
// disposition. DisableCoreDumps keeps secretenv's own memory, which holds
// plaintext, out of core dumps without changing the command's.
package exec

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
)

// Exec replaces secretenv with the command args[0], looked up with
// LookPath in env, run with args as its argv and env as its environment,
// exactly. Before the execve every signal disposition secretenv changed or
// inherited is set back to the default (execve keeps ignored signals
// ignored) and nothing is blocked, so the command starts clean.
//
// Exec returns only on failure, with an *Error whose Status is 126 (found
// but cannot be executed, or arguments and environment over the kernel's
// limit) or 127 (not found); secretenv is left as it was.
func Exec(args, env []string) error {
	if len(args) == 0 {
		return &Error{Status: StatusNotFound, Err: errNoCommand}
	}
	path, err := LookPath(args[0], env)
	if err != nil {
		return err
	}
	if err := checkArgs(path, args, env); err != nil {
		return startError(args[0], err)
	}

	// The signal mask belongs to a thread: stay on this one until execve.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	restore := cleanSignals()
	err = syscall.Exec(path, args, env)
	restore()
	return startError(args[0], err)
}

// checkArgs returns E2BIG, with numbers, when execve(path, args, env) is
// over the kernel's limits.
func checkArgs(path string, args, env []string) error {
	lim := currentLimits()
	if lim.strlen > 0 {
		for _, s := range append([]string{path}, args...) {
			if len(s)+1 > lim.strlen {
				return fmt.Errorf("%w: an argument is %d bytes, over the kernel's limit of %d bytes for one string",
					syscall.E2BIG, len(s), lim.strlen-1)
			}
		}
		for _, kv := range env {
			if len(kv)+1 > lim.strlen {
				name, _, _ := strings.Cut(kv, "=")
				return fmt.Errorf("%w: %s is %d bytes, over the kernel's limit of %d bytes for one string",
					syscall.E2BIG, name, len(kv), lim.strlen-1)
			}
		}
	}
	if over := lim.over(args, env, path); over > 0 {
		return fmt.Errorf("%w: arguments and environment are %d bytes, over the kernel's limit of %d bytes",
			syscall.E2BIG, lim.size(args, env, path), lim.total)
	}
	return nil
}

// IsPID1 reports whether secretenv is the init process of its PID
// namespace, as in a container started without --init.
func IsPID1() bool { return os.Getpid() == 1 }
