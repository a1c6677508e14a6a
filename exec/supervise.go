package exec

// Supervise runs the command as secretenv's child and stays as a minimal
// init, as krallin/tini does. In a container without --init secretenv is
// PID 1, and the kernel gives PID 1 no default signal actions: a signal it
// has no handler for is dropped. Supervise exists so that the command does
// not inherit that, and so that orphans are reaped.
//
// Starting. The command is looked up as in Exec and started with exactly
// args and env, or Supervise fails with an *Error of status 126 or 127.
// Its standard streams are those of Options (secretenv's own by default);
// other descriptors secretenv inherited without close-on-exec pass
// through, as in exec mode. It starts with every signal at its default
// disposition (secretenv catches every signal it can, and execve resets a
// caught signal) and with the signal mask secretenv itself was started
// with, which Go restores between fork and exec and which container
// runtimes leave empty.
//
// Process group and terminal. The command gets a process group of its own,
// as in tini. If secretenv has a controlling terminal and is in its
// foreground group (docker run -it, a terminal), the command's group is
// made the foreground group, by the child itself before execve. The
// terminal then sends Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT), Ctrl-Z (SIGTSTP)
// and SIGWINCH to the command's group alone; secretenv, in another group,
// gets none of them, so forwarding cannot deliver one a second time.
// Without a terminal (docker run -d, ECS, Kubernetes) nothing changes but
// the group. Whoever signals secretenv's group (a shell's kill 0) reaches
// the command once too, through forwarding. When the command has exited,
// secretenv takes the terminal back if it is still the command's, with
// SIGTTOU blocked around tcsetpgrp so that doing so from the background
// cannot stop it. Ctrl-Z stops the command, not secretenv; there is no job
// control shell above a container's PID 1 to resume it, and none is
// emulated: SIGCONT sent to secretenv is forwarded.
//
// Signals. Every signal secretenv receives that it can catch is forwarded
// to the command's process, not its group (as tini does without -g: the
// command decides what its own children get): SIGTERM, SIGINT, SIGHUP,
// SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM, SIGPIPE, SIGTSTP,
// SIGABRT, SIGPWR, the rest of 1..31, and the real-time signals 35..64.
// Not forwarded:
//   - SIGCHLD, which drives reaping;
//   - SIGURG, which Go's runtime sends itself to preempt goroutines;
//   - SIGTTIN and SIGTTOU, which a terminal sends to secretenv's group when
//     secretenv itself would read or write it from the background: they
//     are caught and dropped, so that they neither stop secretenv nor stop
//     the command for something it did not do;
//   - SIGKILL and SIGSTOP, which cannot be caught, and 32, 33 and 34,
//     which belong to the C libraries and which Go does not let a program
//     catch.
//
// A signal is caught from before the command starts; one that arrives
// before it has started is forwarded once it has. SIGTSTP, SIGTTIN and
// SIGTTOU being caught, secretenv is never stopped by them. docker stop
// and an ECS or Kubernetes stop send SIGTERM to PID 1, which reaches the
// command; their SIGKILL after the grace period ends the whole namespace.
//
// Zombies. On every SIGCHLD secretenv reaps every child that has exited
// (wait4(-1, WNOHANG) until none is left), not only the command: orphans
// that the kernel hands to PID 1 never pile up as zombies. Supervise
// returns as soon as the command has exited; what is left of its
// descendants is killed by the kernel when PID 1 exits, or, when
// secretenv is not PID 1, belongs to the real init. Nothing else in the
// process may wait for children while Supervise runs. A command stopped by
// a signal is not a command that exited: secretenv keeps waiting.
//
// Status. Supervise returns the command's exit status, or 128+N when
// signal N killed it (read from the wait status: Go's
// ProcessState.ExitCode is -1 then).
//
// Plaintext. Once the command has started, Supervise sets every element of
// env to "" and, while the command runs, has the garbage collector return
// freed memory to the system (debug.FreeOSMemory). That is as far as Go
// allows: the collector does not zero what it frees, and only whole free
// pages go back to the system, so small values may linger in freed heap
// until it is reused. The caller must drop its own references (the map of
// values) before calling. Core dumps: see DisableCoreDumps.
//
// Cost. Catching and then releasing some sixty signals through os/signal
// takes a round trip to the runtime's signal thread for each: on a small
// VM about 1.5 ms before the command starts and as much after it exits,
// once per container. BenchmarkSupervise measures it against a plain fork,
// exec and wait.

import (
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"unsafe"
)

// Options are Supervise's optional settings. The zero value is ready.
type Options struct {
	// Stdin, Stdout and Stderr are the command's standard streams;
	// nil means secretenv's own.
	Stdin, Stdout, Stderr *os.File

	// Started, if not nil, is called with the command's PID once it has
	// started (execve succeeded), before Supervise waits for it. Signals
	// are forwarded only once it has returned.
	Started func(pid int)

	// testOnlyForwarded, if not nil, is called after each signal is
	// forwarded to the command.
	testOnlyForwarded func(syscall.Signal)
}

// caught lists the signals Supervise catches: every one that can be caught
// but SIGCHLD (caught on its own) and SIGURG (Go's).
var caught = func() []os.Signal {
	var l []os.Signal
	for sig := syscall.Signal(1); sig <= maxSignal; sig++ {
		switch {
		case sig == syscall.SIGKILL, sig == syscall.SIGSTOP, sig == syscall.SIGCHLD,
			sig == syscall.SIGURG, libcSignal(sig):
			continue
		}
		l = append(l, sig)
	}
	return l
}()

// Supervise starts the command as a child and stays as a minimal init, as
// tini does (see the top of supervise.go). It returns the status secretenv
// must exit with: the command's exit status, or 128+N when the command was
// killed by signal N. err is non-nil only when the command could not be
// started: an *Error, whose Status (126 or 127) is also returned.
func Supervise(args, env []string, opts Options) (status int, err error) {
	if len(args) == 0 {
		return StatusNotFound, &Error{Status: StatusNotFound, Err: errNoCommand}
	}
	path, err := LookPath(args[0], env)
	if err != nil {
		e := startError(args[0], err)
		return e.Status, e
	}
	if err := checkArgs(path, args, env); err != nil {
		e := startError(args[0], err)
		return e.Status, e
	}

	// Catch before starting, so that nothing is missed in between. SIGCHLD
	// has a channel of its own: one token is enough, as every one reaps
	// every zombie, and forwarded signals can never crowd it out.
	sigs := make(chan os.Signal, 128)
	signal.Notify(sigs, caught...)
	defer signal.Stop(sigs)
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	defer signal.Stop(chld)

	tty := foregroundTerminal()
	if tty >= 0 {
		defer syscall.Close(tty)
	}
	pid, err := start(path, args, env, opts, tty)
	if err != nil {
		e := startError(args[0], err)
		return e.Status, e
	}
	// The values are the command's now. Collect them, and give what is
	// freed back to the system, while the command runs.
	clear(env)
	go debug.FreeOSMemory()
	if opts.Started != nil {
		opts.Started(pid)
	}

	ws := wait(pid, sigs, chld, opts.testOnlyForwarded)
	if tty >= 0 {
		takeTerminal(tty, pid)
	}
	return exitStatus(ws), nil
}

// start forks and execs the command in a process group of its own, in the
// terminal's foreground if tty is not -1.
func start(path string, args, env []string, opts Options, tty int) (int, error) {
	files := []*os.File{opts.Stdin, opts.Stdout, opts.Stderr}
	for i, std := range []*os.File{os.Stdin, os.Stdout, os.Stderr} {
		if files[i] == nil {
			files[i] = std
		}
	}
	attr := &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{files[0].Fd(), files[1].Fd(), files[2].Fd()},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
	if tty >= 0 {
		attr.Sys.Foreground = true
		attr.Sys.Ctty = tty
	}
	pid, err := syscall.ForkExec(path, args, attr)
	if err != nil && tty >= 0 && terminalError(err) {
		// The terminal may have gone (hung up) since it was looked at:
		// start without it rather than not at all.
		attr.Sys.Foreground = false
		pid, err = syscall.ForkExec(path, args, attr)
	}
	runtime.KeepAlive(files)
	return pid, err
}

// terminalError reports whether err may come from the TIOCSPGRP the child
// makes before execve rather than from execve.
func terminalError(err error) bool {
	switch err {
	case syscall.ENOTTY, syscall.ENXIO, syscall.EIO, syscall.EPERM, syscall.EINVAL:
		return true
	}
	return false
}

// wait forwards signals to the command and reaps children until the
// command has exited, and returns its wait status.
func wait(pid int, sigs, chld <-chan os.Signal, forwarded func(syscall.Signal)) syscall.WaitStatus {
	for {
		select {
		case <-chld:
			if ws, exited := reap(pid); exited {
				return ws
			}
		case s := <-sigs:
			sig := s.(syscall.Signal)
			if sig == syscall.SIGTTIN || sig == syscall.SIGTTOU {
				continue
			}
			// The command is not reaped yet, so pid is still its own,
			// a zombie at worst.
			syscall.Kill(pid, sig)
			if forwarded != nil {
				forwarded(sig)
			}
		}
	}
}

// reap collects every child that has exited, and reports the command's
// wait status if it is one of them.
func reap(pid int) (ws syscall.WaitStatus, exited bool) {
	for {
		var s syscall.WaitStatus
		p, err := syscall.Wait4(-1, &s, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || p <= 0 {
			return ws, exited
		}
		if p == pid {
			ws, exited = s, true
		}
	}
}

// exitStatus maps a wait status to the status secretenv exits with.
func exitStatus(ws syscall.WaitStatus) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return 255
}

// foregroundTerminal opens secretenv's controlling terminal if secretenv is
// in its foreground process group, and returns its descriptor, or -1.
func foregroundTerminal() int {
	fd, err := syscall.Open("/dev/tty", syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	if pgrp, err := tcgetpgrp(fd); err != nil || pgrp != syscall.Getpgrp() {
		syscall.Close(fd)
		return -1
	}
	return fd
}

// takeTerminal makes secretenv's process group the foreground group of the
// terminal again if the command's group, pgrp, still is. SIGTTOU is
// blocked around it: secretenv is in the background then, and caught, the
// signal would have the kernel restart tcsetpgrp forever.
func takeTerminal(tty, pgrp int) {
	if !canBlockSignals {
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer blockSignal(syscall.SIGTTOU)()
	if fg, err := tcgetpgrp(tty); err == nil && fg == pgrp {
		tcsetpgrp(tty, syscall.Getpgrp())
	}
}

func tcgetpgrp(fd int) (int, error) {
	var pgrp int32
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCGPGRP, uintptr(unsafe.Pointer(&pgrp)))
	if e != 0 {
		return 0, e
	}
	return int(pgrp), nil
}

func tcsetpgrp(fd, pgrp int) error {
	p := int32(pgrp)
	_, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.TIOCSPGRP, uintptr(unsafe.Pointer(&p)))
	if e != 0 {
		return e
	}
	return nil
}
