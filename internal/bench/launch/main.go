// Command launch runs a command once and reports what it cost. The
// benchmark runs every measured scenario through it, so that each figure is
// the command's own:
//
//	launch COMMAND [ARG...]
//
// It prints one line to stdout, "WALL_NS MAXRSS_KIB USER_NS SYS_NS", and
// exits with the command's status (1 when it cannot start it). The command
// gets launch's environment and stdin and stderr; its stdout is discarded.
// WALL_NS is from just before the fork until the command was reaped.
//
// Why a launcher: a child's ru_maxrss starts at the high-water mark of the
// memory it was forked from, which Linux carries across execve. A child of
// the benchmark, which holds the fake and its data, would never report less
// than the benchmark's own mark; a child of launch starts from launch's,
// which is below that of any Go program it runs.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: launch COMMAND [ARG...]")
		os.Exit(2)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		os.Exit(1)
	}
	attr := &os.ProcAttr{Files: []*os.File{os.Stdin, devnull, os.Stderr}}
	start := time.Now()
	p, err := os.StartProcess(os.Args[1], os.Args[1:], attr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		os.Exit(1)
	}
	st, err := p.Wait()
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "launch:", err)
		os.Exit(1)
	}
	ru, _ := st.SysUsage().(*syscall.Rusage)
	if ru == nil {
		ru = &syscall.Rusage{}
	}
	fmt.Printf("%d %d %d %d\n", wall.Nanoseconds(), ru.Maxrss, ru.Utime.Nano(), ru.Stime.Nano())
	if !st.Success() {
		os.Exit(max(st.ExitCode(), 1))
	}
}
