//go:build linux

package exec

import (
	osexec "os/exec"
	"syscall"
	"testing"
)

// The cost of supervise mode over a plain fork, exec and wait, for a
// command that exits at once:
//
//	go test -run '^$' -bench 'Supervise|ForkExecWait' -count 20 ./exec

func truePath(b *testing.B) string {
	b.Helper()
	path, err := osexec.LookPath("true")
	if err != nil {
		b.Skip("no true(1)")
	}
	return path
}

// BenchmarkSupervise starts true(1) through Supervise: lookup, signal
// setup, process group, freeing memory, reaping.
func BenchmarkSupervise(b *testing.B) {
	path := truePath(b)
	for b.Loop() {
		env := []string{"PATH=/usr/bin:/bin", "A=1"}
		if status, err := Supervise([]string{path}, env, Options{}); status != 0 || err != nil {
			b.Fatalf("Supervise(true) = %d, %v", status, err)
		}
	}
}

// BenchmarkForkExecWait starts true(1) as simply as Go can: the baseline
// that exec mode's own cost (one execve) is part of.
func BenchmarkForkExecWait(b *testing.B) {
	path := truePath(b)
	for b.Loop() {
		env := []string{"PATH=/usr/bin:/bin", "A=1"}
		pid, err := syscall.ForkExec(path, []string{path}, &syscall.ProcAttr{Env: env, Files: []uintptr{0, 1, 2}})
		if err != nil {
			b.Fatal(err)
		}
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
			b.Fatalf("true: %v, %v", ws, err)
		}
	}
}
